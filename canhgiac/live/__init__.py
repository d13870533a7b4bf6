"""Live training sessions: a trainer paces a quiz for a room of residents on their phones.

Everything a session knows lives in the database (tables.py), so several worker processes serve
one session; service.py holds the session logic, report.py the aggregates and reports,
retention.py the purge (autopurge.py runs it in each server process), auth.py the trainer
accounts, ratelimit.py the counters against guessing, commands.py the CLI.
"""
