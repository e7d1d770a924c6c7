"""The mode of the directories careergate creates for its data.

The data directory holds the database (usage records, the audit log), the master key,
the record journals and the dead-letter files: readable by its owner alone, whatever
the umask gives the files inside it.
"""

PRIVATE_DIR = 0o700
