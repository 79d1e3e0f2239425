"""Great Expectations suites, built in code. Import lazily: GX takes seconds to import."""
