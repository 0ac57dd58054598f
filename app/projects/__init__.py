"""Projects: who may read which events (members, roles, invitations, share links and
read-only API tokens), and the built-in self-tracking project.
"""
