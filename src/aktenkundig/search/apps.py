import importlib

from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "aktenkundig.search"
    label = "search"

    def ready(self) -> None:
        # documents.signals belongs to the ingestion app; connect when it is there.
        try:
            signals = importlib.import_module("aktenkundig.documents.signals")
        except ModuleNotFoundError:
            return
        from aktenkundig.search import handlers

        signals.chunks_replaced.connect(
            handlers.on_chunks_replaced, dispatch_uid="search.chunks_replaced"
        )
        signals.document_deleted.connect(
            handlers.on_document_deleted, dispatch_uid="search.document_deleted"
        )
