"""What every feature shares: errors, the unit of work, workflow subjects, access, blobs, mail."""
