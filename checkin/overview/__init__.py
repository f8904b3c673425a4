"""The web app's Overview: what it looks at (scope), its figures, the narrowing to a viewer, and its interactive chart."""
