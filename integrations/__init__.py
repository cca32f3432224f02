"""What leaves the service for the marketplace's systems: the outbox of events (the feed reads it,
the webhook delivery sends it). Sits below disputes: it imports at most accounts and background."""
