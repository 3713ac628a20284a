"""`python -m addon.report`: the topic-mastery report CLI, which lives in dashboard/report.py."""
import sys

from .dashboard.report import main

if __name__ == "__main__":
    sys.exit(main())
