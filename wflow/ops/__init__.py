"""Operations on a whole installation: the audit of the present, backup and restore.

Above the features (it reads the files they store and every table), below the CLI; no Flask:
what it needs (the database URL, the instance folder, a progress reporter) is given to it.
"""
