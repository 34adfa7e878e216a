"""The command line (Typer): the only place that configures logging and progress bars."""
