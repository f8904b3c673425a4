"""People and what they may see: members, the admin rule, the viewer, sign-in identity, small-group suppression, and the SQL that narrows a read to a viewer."""
