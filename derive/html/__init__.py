"""HTML output: MathML from the project's LaTeX, worksheets and check pages, no JavaScript."""
