from core.documents.types import OCTETS_A_LIRE, type_piece


def test_le_type_se_lit_dans_les_premiers_octets() -> None:
    assert type_piece(b"%PDF-1.7\n") == ("application/pdf", "pdf")
    assert type_piece(b"\x89PNG\r\n\x1a\n\x00") == ("image/png", "png")
    assert type_piece(b"\xff\xd8\xff\xe0") == ("image/jpeg", "jpg")
    # Le nom ne compte pas : un texte, un ZIP ou un PNG tronqué ne passent pas.
    assert type_piece(b"<html>") is None
    assert type_piece(b"PK\x03\x04") is None
    assert type_piece(b"\x89PNG") is None
    assert OCTETS_A_LIRE == 8
