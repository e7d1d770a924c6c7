"""What careergate keeps about people, for how long, and their rights over it: retention
with its purge, and a user's export and erasure."""
