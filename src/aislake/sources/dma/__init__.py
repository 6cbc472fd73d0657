"""The Danish Maritime Authority's daily CSV files."""
