"""The SQLite file: the connection and its transactions, the schema's migrations, the check that a file is a checkin database."""
