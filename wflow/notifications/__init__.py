"""Notifications: in-app and e-mail when work arrives, reminders, the daily digest."""
