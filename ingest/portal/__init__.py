"""The state portal's (latvija.lv) e-service usage statistics: sources, formats and loading."""
