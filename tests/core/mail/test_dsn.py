"""Lecture des avis de non-remise (`core.mail.dsn`), sur des rebonds tels que les serveurs
les écrivent (tests/fixtures/dsn/)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.mail.dsn import analyser_rebond

DSN = Path(__file__).resolve().parents[2] / "fixtures" / "dsn"


def _brut(nom: str) -> bytes:
    return (DSN / nom).read_bytes()


def test_postfix_echec_definitif_rfc3464() -> None:
    rebond = analyser_rebond(_brut("postfix_permanent_5.1.1.eml"))

    assert rebond is not None
    assert rebond.forme == "rfc3464"
    assert rebond.destinataire == "jean.dupont@exemple.org"
    assert rebond.action == "failed"
    assert rebond.permanent is True
    assert rebond.code_etat == "5.1.1"
    assert rebond.diagnostic.startswith("550 5.1.1 <jean.dupont@exemple.org>: Recipient address")
    assert "User unknown in virtual mailbox table" in rebond.diagnostic
    assert rebond.message_id_origine == "<envoi-1@saint-test.example>"
    assert rebond.envelope_id == "envoi-1.saint-test"
    assert rebond.jeton_verp == ""


def test_postfix_retard_n_est_pas_definitif() -> None:
    rebond = analyser_rebond(_brut("postfix_retarde_4.2.2.eml"))

    assert rebond is not None
    assert rebond.action == "delayed"
    assert rebond.permanent is False
    assert rebond.code_etat == "4.2.2"
    assert rebond.destinataire == "marie.martin@exemple.org"
    assert rebond.message_id_origine == "<envoi-2@saint-test.example>"


@pytest.mark.parametrize(
    ("fichier", "forme", "destinataire", "code", "message_id"),
    [
        ("exim_echec.eml", "exim", "luc.petit@exemple.fr", "5.1.1", "<envoi-3@saint-test.example>"),
        (
            "exchange_ndr.eml",
            "exchange",
            "anne.leroy@mairie-voisine.example",
            "5.1.10",
            "<envoi-4@saint-test.example>",
        ),
        (
            "qmail_echec.eml",
            "qmail",
            "sophie.moreau@exemple.com",
            "5.1.1",
            "<envoi-5@saint-test.example>",
        ),
        (
            "postfix_texte_sans_rapport.eml",
            "texte",
            "paul.bernard@exemple.net",
            "5.7.1",
            "<envoi-6@saint-test.example>",
        ),
    ],
)
def test_formes_non_normalisees(
    fichier: str, forme: str, destinataire: str, code: str, message_id: str
) -> None:
    rebond = analyser_rebond(_brut(fichier))

    assert rebond is not None
    assert (rebond.forme, rebond.destinataire, rebond.code_etat) == (forme, destinataire, code)
    assert rebond.action == "failed"
    assert rebond.permanent is True
    assert rebond.message_id_origine == message_id
    assert code in rebond.diagnostic


def test_diagnostic_exchange_sans_prefixe() -> None:
    rebond = analyser_rebond(_brut("exchange_ndr.eml"))

    assert rebond is not None
    assert rebond.diagnostic.startswith("550 5.1.10 RESOLVER.ADR.RecipientNotFound")


@pytest.mark.parametrize("fichier", ["elire_notification.eml", "reponse_absence.eml"])
def test_message_ordinaire_n_est_pas_un_rebond(fichier: str) -> None:
    assert analyser_rebond(_brut(fichier)) is None


def test_jeton_verp_de_l_adresse_de_retour() -> None:
    brut = _brut("postfix_permanent_5.1.1.eml").replace(
        b"Delivered-To: mairie@saint-test.example",
        b"Delivered-To: mairie+m42@saint-test.example",
    )

    rebond = analyser_rebond(brut)

    assert rebond is not None
    assert rebond.jeton_verp == "m42"


def test_accuse_de_remise_n_est_pas_un_rebond() -> None:
    brut = _brut("postfix_permanent_5.1.1.eml").replace(b"Action: failed", b"Action: delivered")

    assert analyser_rebond(brut) is None


def test_rapport_tronque_ne_leve_pas() -> None:
    brut = _brut("postfix_permanent_5.1.1.eml")

    for fin in range(0, len(brut), 97):
        analyser_rebond(brut[:fin])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4000))
def test_octets_quelconques_ne_levent_jamais(brut: bytes) -> None:
    resultat = analyser_rebond(brut)

    assert resultat is None or resultat.action in ("failed", "delayed")


_ENTETES = st.sampled_from(
    [
        b"Content-Type: multipart/report; report-type=delivery-status; boundary=x\n",
        b"Content-Type: message/delivery-status\n",
        b"Subject: Undelivered Mail Returned to Sender\n",
        b"From: MAILER-DAEMON@exemple.org\n",
        b"X-Failed-Recipients: \xff\xfe@\n",
        b"Return-Path: <>\n",
        b"To: a+\x00@b\n",
        b"\n--x\n",
        b"Action: failed\nStatus: 9.9.9\nFinal-Recipient: ;\n",
        b"Diagnostic-Code: smtp; 550\n",
        b"Content-Transfer-Encoding: base64\n",
        b"Content-Type: text/rfc822-headers; charset=inconnu\n",
        b"Message-ID: <\n",
        b"\n--x--\n",
    ]
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(_ENTETES, st.binary(max_size=60)), max_size=30))
def test_rapports_malformes_ne_levent_jamais(morceaux: list[bytes]) -> None:
    resultat = analyser_rebond(b"".join(morceaux))

    assert resultat is None or isinstance(resultat.code_etat, str)
