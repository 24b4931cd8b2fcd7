"""Sending a task without holding a web request when the broker is in trouble.

Both task modules (index builds, training runs) send through
``broker_connection``: connect and every reply are bounded by
SITE_ASSISTANT["BROKER_TIMEOUT_SECONDS"] (a Redis that accepts connections and
never answers included), and kombu does not retry, so the caller reports the
failure at once instead of after ~20 s.
"""

from . import conf


def broker_connection(app):
    """A connection for sending one task that gives up after BROKER_TIMEOUT_SECONDS."""
    timeout = float(conf.get("BROKER_TIMEOUT_SECONDS"))
    return app.connection_for_write(
        connect_timeout=timeout,
        transport_options={
            "socket_connect_timeout": timeout,
            "socket_timeout": timeout,
            "max_retries": 0,
        },
    )
