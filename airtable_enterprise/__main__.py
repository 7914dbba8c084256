"""``python -m airtable_enterprise``: the command-line tool."""

from airtable_enterprise.cli import main

if __name__ == "__main__":
    main()
