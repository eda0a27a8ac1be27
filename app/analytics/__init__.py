"""Download analytics: IAB-style counting, private by design, and its studio pages."""
