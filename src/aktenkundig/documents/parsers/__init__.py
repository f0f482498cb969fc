"""One parser per file format behind a small registry (see ``parsers.base``).

Importing this package registers every format.
"""

from aktenkundig.documents.parsers import (  # noqa: F401 - imported to register
    docx,
    html,
    image,
    mail,
    odt,
    pdf,
    text,
)
from aktenkundig.documents.parsers.base import (
    PARSERS,
    Block,
    Context,
    Extracted,
    ExtractionError,
    Parser,
    register,
)

__all__ = ["PARSERS", "Block", "Context", "Extracted", "ExtractionError", "Parser", "register"]
