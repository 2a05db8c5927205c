"""Le type réel d'un fichier déposé, d'après ses premiers octets : jamais d'après son nom ni
d'après l'en-tête du navigateur. Une seule table pour toutes les pièces (électeurs, séances,
réponses des élus)."""

from __future__ import annotations

# Octets magiques → (type MIME, extension).
TYPES_PIECE: dict[bytes, tuple[str, str]] = {
    b"%PDF-": ("application/pdf", "pdf"),
    b"\x89PNG\r\n\x1a\n": ("image/png", "png"),
    b"\xff\xd8\xff": ("image/jpeg", "jpg"),
}
# Assez d'octets pour reconnaître chacun des types de la table.
OCTETS_A_LIRE = max(len(magie) for magie in TYPES_PIECE)


def type_piece(debut: bytes) -> tuple[str, str] | None:
    """(type MIME, extension) d'un PDF, PNG ou JPEG d'après ses premiers octets, sinon None."""
    return next((t for magie, t in TYPES_PIECE.items() if debut.startswith(magie)), None)
