"""Twin time: an injected clock, ``--speed``, and durable timers."""
