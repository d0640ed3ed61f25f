"""What several browser tests wait for."""


def service_worker_ready(page) -> None:
    """Wait until the scanner's service worker is active, its files precached: going offline
    before would cut its downloads halfway (a phone loses the network after the page loaded,
    not while it installs)."""
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")  # awaited by evaluate
