"""The Flask app: `flask --app app run` from the project root."""

import sys

from canhgiac.startup import create_app_or_exit

app = create_app_or_exit()

if __name__ == "__main__":  # pragma: no cover
    sys.exit("run it with: flask --app app run   (or: canhgiac run)")
