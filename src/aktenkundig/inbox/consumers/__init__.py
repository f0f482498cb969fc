"""Intake channels, shaped like paperless-ngx's consumers: one small class per channel
that turns what arrives (an upload, a file in a hot folder, a mail) into
:class:`~aktenkundig.inbox.services.Incoming` and hands it to
:func:`~aktenkundig.inbox.services.receive`. Reading, OCR and routing are done once,
in services (which reuses the documents app's parsers); a channel only knows how to
take a file safely from its source and when it may let go of it (after the item is
committed)."""
