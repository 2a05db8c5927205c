"""Moteurs de documents : octets en entrée, octets en sortie, aucune connaissance métier.

- `core.documents.docx` : modèles Word (docxtpl dans un Jinja « sandboxé »), validation du ZIP ;
- `core.documents.libreoffice` : conversion DOCX → PDF par LibreOffice, un processus par lot ;
- `core.documents.pdf` : PDF conçus par Écharpe, depuis des gabarits Django, par WeasyPrint ;
- `core.documents.csv` : lecture tolérante et écriture « tableur français » des CSV.

Chaque erreur porte un `message` en français, prêt à être montré à l'agent.
"""

from __future__ import annotations


class ErreurDocument(Exception):
    """Base des erreurs des moteurs de documents ; `message` est destiné à l'agent."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class DocumentInvalide(ErreurDocument):
    """Le fichier fourni n'est pas un document acceptable (type, taille, contenu dangereux)."""


class ErreurModele(ErreurDocument):
    """Le modèle Word ne peut pas être rendu (syntaxe, variable inconnue, accès interdit).

    `paragraphe` situe l'erreur (« Paragraphe 3 », « En-tête, paragraphe 1 ») quand on a pu la
    situer ; `variables` liste les variables inconnues quand c'est la cause.
    """

    def __init__(
        self,
        message: str,
        *,
        paragraphe: str | None = None,
        variables: list[str] | None = None,
    ) -> None:
        super().__init__(message)
        self.paragraphe = paragraphe
        self.variables = variables or []


class ConversionImpossible(ErreurDocument):
    """La conversion en PDF n'a pas pu se faire (LibreOffice absent, délai dépassé, échec)."""


class ErreurCsv(ErreurDocument):
    """Un fichier CSV ne peut pas être lu ; `ligne` (1 = l'en-tête) et `colonne` le situent."""

    def __init__(self, message: str, *, ligne: int | None = None, colonne: str | None = None):
        super().__init__(message)
        self.ligne = ligne
        self.colonne = colonne


__all__ = [
    "ConversionImpossible",
    "DocumentInvalide",
    "ErreurCsv",
    "ErreurDocument",
    "ErreurModele",
]
