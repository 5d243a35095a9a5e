"""End-to-end tests: the real app in a subprocess, driven by Debian's Chromium via Playwright."""
