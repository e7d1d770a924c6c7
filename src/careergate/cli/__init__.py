"""The operator CLI: ``careergate ...``."""
