"""The inbox: what each person should do now, in words."""
