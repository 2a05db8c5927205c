"""`core.mail.services.envoyer` contre un vrai serveur SMTP local (aiosmtpd, 127.0.0.1)."""

from __future__ import annotations

import logging
import socket
import time
import traceback
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest

from core.mail.backends import BoiteDemoBackend
from core.mail.comptes import CompteResolu
from core.mail.connexion import connexion_smtp
from core.mail.services import (
    MESSAGE_CONSTRUCTION,
    MESSAGE_ENTETES_ALTERES,
    MESSAGE_ERREUR_INATTENDUE,
    MESSAGE_NON_ASCII,
    REPONSE_BOITE_DEMO,
    AucunCompte,
    EchecDefinitif,
    EchecTemporaire,
    ErreurEnvoi,
    _assembler,
    _blocs_conformes,
    _EntetesMemorises,
    _serialiser,
    envoyer,
    envoyer_gabarit,
    rendre_gabarit,
)
from core.models import MessageEnvoye, StatutMessage
from tests.smtp_local import *  # noqa: F403  (fixtures du serveur local)
from tests.smtp_local import (
    IDENTIFIANT,
    MOT_DE_PASSE,
    REPONSE_DATA,
    creer_compte,
    textes_de_log,
)

pytestmark = [pytest.mark.django_db, pytest.mark.reseau]


def _envoyer(monde, compte=None, **kwargs):
    valeurs = {
        "collectivite": monde.collectivite,
        "expediteur": monde.personnes["agent_elections"],
        "destinataires": ["electeur@exemple.test"],
        "sujet": "Avis de radiation",
        "texte": "Bonjour,\nvotre inscription…\n.\nUne ligne qui commence par un point.",
        "compte": compte,
    }
    valeurs.update(kwargs)
    return envoyer(**valeurs)


# --- Le message arrive --------------------------------------------------------------------


def test_le_message_arrive_avec_expediteur_destinataire_et_objet(
    monde, serveur_smtp, smtp_sans_verification
):
    serveur = serveur_smtp()
    compte = creer_compte(serveur, collectivite=monde.collectivite)

    trace = _envoyer(monde, compte, sujet="Avis de radiation — DUPRÉ Hélène")

    [recu] = serveur.boite.recus
    assert recu.expediteur == "mairie@saint-test.test"
    assert recu.destinataires == ["electeur@exemple.test"]
    message = recu.message
    assert message["From"].addresses[0].display_name == "Mairie de Saint-Test"
    assert message["From"].addresses[0].addr_spec == "mairie@saint-test.test"
    assert str(message["To"]) == "electeur@exemple.test"
    assert str(message["Subject"]) == "Avis de radiation — DUPRÉ Hélène"
    assert message["Message-ID"] == trace.message_id
    corps = message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")
    assert "votre inscription…" in corps
    # Le point seul en début de ligne est doublé sur le fil, puis rendu tel quel.
    assert "\n.\nUne ligne qui commence par un point." in corps


def test_la_trace_enregistre_le_compte_et_la_reponse_250(
    monde, serveur_smtp, smtp_sans_verification
):
    serveur = serveur_smtp()
    compte = creer_compte(serveur, collectivite=monde.collectivite)

    trace = _envoyer(monde, compte)

    trace.refresh_from_db()
    assert trace.statut == StatutMessage.ENVOYE
    assert trace.compte == compte
    assert "mairie@saint-test.test" in trace.compte_libelle
    assert trace.code_smtp == 250
    assert trace.reponse_smtp == REPONSE_DATA
    assert trace.envoye_le is not None
    assert trace.demandeur == monde.personnes["agent_elections"]
    assert trace.destinataires == "electeur@exemple.test"
    assert trace.expediteur == "Mairie de Saint-Test <mairie@saint-test.test>"


def test_html_et_pieces_jointes(monde, serveur_smtp, smtp_sans_verification):
    serveur = serveur_smtp()
    compte = creer_compte(serveur, collectivite=monde.collectivite)

    _envoyer(
        monde,
        compte,
        html="<p>Bonjour</p>",
        pieces_jointes=[("avis.pdf", b"%PDF-1.7 contenu", "application/pdf")],
        reply_to=["mairie-reponse@saint-test.test"],
        entetes={"X-Echarpe-Envoi": "42"},
    )

    message = serveur.boite.recus[0].message
    assert message.get_body(preferencelist=("html",)).get_content().strip() == "<p>Bonjour</p>"
    [piece] = list(message.iter_attachments())
    assert piece.get_filename() == "avis.pdf"
    assert piece.get_content_type() == "application/pdf"
    assert piece.get_content() == b"%PDF-1.7 contenu"
    assert str(message["Reply-To"]) == "mairie-reponse@saint-test.test"
    assert message["X-Echarpe-Envoi"] == "42"


# --- Choix du compte ----------------------------------------------------------------------


def test_sans_compte_explicite_le_compte_de_l_agent_est_utilise(
    monde, serveur_smtp, smtp_sans_verification
):
    serveur = serveur_smtp()
    agent = monde.personnes["agent_elections"]
    creer_compte(serveur, collectivite=monde.collectivite, adresse_expediteur="defaut@x.test")
    compte_agent = creer_compte(
        serveur, collectivite=monde.collectivite, utilisateur=agent, adresse_expediteur="a@x.test"
    )

    trace = _envoyer(monde)

    assert trace.compte == compte_agent
    assert serveur.boite.recus[0].expediteur == "a@x.test"


def test_aucun_compte_a_aucun_niveau(monde, settings):
    settings.ECHARPE_SMTP_DEFAUT = {**settings.ECHARPE_SMTP_DEFAUT, "hote": ""}

    with pytest.raises(AucunCompte) as erreur:
        _envoyer(monde)

    assert "Aucun compte d'envoi" in erreur.value.message
    assert isinstance(erreur.value, ErreurEnvoi)
    assert not MessageEnvoye.objects.exists()


def test_un_compte_d_une_autre_collectivite_est_refuse(monde, serveur_smtp, smtp_sans_verification):
    serveur = serveur_smtp()
    compte_autre = creer_compte(serveur, collectivite=monde.autre)

    with pytest.raises(ValueError, match="autre collectivité"):
        _envoyer(monde, compte_autre)

    assert serveur.boite.recus == []


# --- Échecs -------------------------------------------------------------------------------


def test_mot_de_passe_refuse_535_echec_definitif(monde, serveur_smtp, smtp_sans_verification):
    serveur = serveur_smtp(securite="starttls", auth=True)
    compte = creer_compte(serveur, collectivite=monde.collectivite, mot_de_passe="mauvais-mdp")

    with pytest.raises(EchecDefinitif) as erreur:
        _envoyer(monde, compte)

    assert erreur.value.code == 535
    assert erreur.value.message == "Le serveur a refusé l'identifiant ou le mot de passe (535)."
    trace = MessageEnvoye.objects.get()
    assert trace.statut == StatutMessage.ECHEC
    assert trace.code_smtp == 535
    assert erreur.value.message_envoye == trace
    assert "mauvais-mdp" not in trace.reponse_smtp
    assert serveur.boite.recus == []


@pytest.mark.parametrize("exclu", ["LOGIN", "PLAIN"])
def test_authentification_login_et_plain(monde, serveur_smtp, smtp_sans_verification, exclu):
    serveur = serveur_smtp(securite="starttls", auth=True, mecanismes_exclus=(exclu,))
    compte = creer_compte(serveur, collectivite=monde.collectivite)

    _envoyer(monde, compte)

    assert serveur.boite.recus[0].identifiant == IDENTIFIANT


@pytest.mark.parametrize(
    ("reponse", "classe", "statut"),
    [
        ("550 5.1.1 Utilisateur inconnu", EchecDefinitif, StatutMessage.ECHEC),
        ("450 4.2.1 Boîte pleine, réessayez", EchecTemporaire, StatutMessage.ECHEC_TEMPORAIRE),
        ("451 4.3.0 Erreur locale", EchecTemporaire, StatutMessage.ECHEC_TEMPORAIRE),
        ("421 4.7.0 Trop de connexions", EchecTemporaire, StatutMessage.ECHEC_TEMPORAIRE),
    ],
)
def test_destinataire_refuse_selon_le_code(
    monde, serveur_smtp, smtp_sans_verification, reponse, classe, statut
):
    serveur = serveur_smtp(reponses={"refuse@exemple.test": reponse})
    compte = creer_compte(serveur, collectivite=monde.collectivite)
    code = int(reponse[:3])

    with pytest.raises(classe) as erreur:
        _envoyer(monde, compte, destinataires=["refuse@exemple.test"])

    assert erreur.value.code == code
    assert erreur.value.destinataire == "refuse@exemple.test"
    # Pour l'agent : l'adresse et la réponse du serveur, comme avant.
    debut = "Refus temporaire pour" if code < 500 else "Le serveur a refusé"
    assert erreur.value.texte.startswith(f"{debut} le destinataire refuse@exemple.test : ")
    assert reponse in erreur.value.texte
    # Pour les logs (str, repr, args) : la réponse, sans l'adresse.
    assert reponse in erreur.value.message
    for texte in (erreur.value.message, str(erreur.value), repr(erreur.value)):
        assert "refuse@exemple.test" not in texte
        assert "[adresse masquée]" in texte
    assert erreur.value.args == (erreur.value.message,)
    trace = MessageEnvoye.objects.get()
    assert (trace.statut, trace.code_smtp) == (statut, code)
    assert trace.reponse_smtp == erreur.value.texte
    assert serveur.boite.recus == []


def test_l_adresse_citee_par_le_serveur_est_masquee_dans_l_exception(
    monde, serveur_smtp, smtp_sans_verification
):
    # Postfix cite l'adresse refusée dans sa réponse, parfois dans une autre casse.
    reponse = "550 5.1.1 <Lea.Durand@Exemple.TEST>: Recipient address rejected"
    serveur = serveur_smtp(reponses={"lea.durand@exemple.test": reponse})
    compte = creer_compte(serveur, collectivite=monde.collectivite)

    with pytest.raises(EchecDefinitif) as erreur:
        _envoyer(monde, compte, destinataires=["ok@exemple.test", "lea.durand@exemple.test"])

    assert erreur.value.message == (
        "Le serveur a refusé le destinataire [adresse masquée] : "
        "550 5.1.1 <[adresse masquée]>: Recipient address rejected"
    )
    assert "exemple.test" not in repr(erreur.value.args)
    assert (
        erreur.value.texte
        == f"Le serveur a refusé le destinataire lea.durand@exemple.test : {reponse}"
    )
    assert MessageEnvoye.objects.get().reponse_smtp == erreur.value.texte


def test_l_adresse_d_expedition_refusee_est_masquee_dans_l_exception(
    monde, serveur_smtp, smtp_sans_verification, monkeypatch
):
    import smtplib

    serveur = serveur_smtp()
    compte = creer_compte(serveur, collectivite=monde.collectivite)
    monkeypatch.setattr(smtplib.SMTP, "mail", lambda *a, **k: (553, b"5.7.1 Sender refused"))

    with pytest.raises(EchecDefinitif) as erreur:
        _envoyer(monde, compte)

    assert compte.adresse_expediteur in erreur.value.texte
    assert compte.adresse_expediteur not in str(erreur.value)
    assert erreur.value.destinataire is None


def test_un_destinataire_refuse_annule_tout_le_message(monde, serveur_smtp, smtp_sans_verification):
    serveur = serveur_smtp(reponses={"refuse@exemple.test": "550 5.1.1 Inconnu"})
    compte = creer_compte(serveur, collectivite=monde.collectivite)

    with pytest.raises(EchecDefinitif):
        _envoyer(monde, compte, destinataires=["ok@exemple.test", "refuse@exemple.test"])

    assert serveur.boite.recus == []


def test_refus_final_du_message_apres_data(monde, serveur_smtp, smtp_sans_verification):
    serveur = serveur_smtp(reponse_data="554 5.7.1 Message refusé (spam)")
    compte = creer_compte(serveur, collectivite=monde.collectivite)

    with pytest.raises(EchecDefinitif) as erreur:
        _envoyer(monde, compte)

    assert erreur.value.code == 554
    assert MessageEnvoye.objects.get().statut == StatutMessage.ECHEC


def test_port_ferme_echec_temporaire(monde, port_ferme, smtp_sans_verification):
    compte = creer_compte(collectivite=monde.collectivite, port=port_ferme)

    with pytest.raises(EchecTemporaire) as erreur:
        _envoyer(monde, compte)

    assert erreur.value.message == (
        f"Impossible de joindre le serveur 127.0.0.1:{port_ferme} : connexion refusée."
    )
    trace = MessageEnvoye.objects.get()
    assert trace.statut == StatutMessage.ECHEC_TEMPORAIRE
    assert trace.code_smtp is None


def test_serveur_muet_delai_depasse(monde, serveur_muet, smtp_sans_verification):
    compte = creer_compte(collectivite=monde.collectivite, port=serveur_muet.port)

    debut = time.monotonic()
    with pytest.raises(EchecTemporaire) as erreur:
        _envoyer(monde, compte)

    assert time.monotonic() - debut < 5
    assert erreur.value.message == "Le serveur n'a pas répondu dans les 2 secondes."
    assert MessageEnvoye.objects.get().statut == StatutMessage.ECHEC_TEMPORAIRE


def test_reponse_finale_jamais_venue_reste_en_cours_incertain(
    monde, serveur_smtp, smtp_sans_verification, settings
):
    settings.ECHARPE_SMTP_TIMEOUT = 1
    serveur = serveur_smtp(delai_data=3)
    compte = creer_compte(serveur, collectivite=monde.collectivite)

    with pytest.raises(EchecTemporaire) as erreur:
        _envoyer(monde, compte)

    # Tout le message a été transmis : il est peut-être parti, ne pas le renvoyer seul.
    assert erreur.value.incertain is True
    assert MessageEnvoye.objects.get().statut == StatutMessage.EN_COURS


def test_nom_de_serveur_introuvable(monde, smtp_sans_verification, monkeypatch):
    # Sans requête DNS réelle (les tests ne visent que 127.0.0.1) : la résolution de
    # `socket.create_connection`, qu'emploie smtplib, échoue comme pour un nom inconnu.
    resolution = socket.getaddrinfo
    demandes: list[str] = []

    def getaddrinfo(hote, *args, **kwargs):
        if hote == "serveur.invalid":
            demandes.append(hote)
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return resolution(hote, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    compte = creer_compte(collectivite=monde.collectivite, port=25)
    compte.hote = "serveur.invalid"
    compte.save()

    with pytest.raises(EchecTemporaire) as erreur:
        _envoyer(monde, compte)

    assert demandes == ["serveur.invalid"]
    assert erreur.value.message == (
        "Impossible de joindre le serveur serveur.invalid:25 : nom de serveur introuvable."
    )
    assert MessageEnvoye.objects.get().statut == StatutMessage.ECHEC_TEMPORAIRE


# --- Sécurité de la connexion -------------------------------------------------------------


def test_starttls_fonctionne(monde, serveur_smtp, smtp_sans_verification):
    serveur = serveur_smtp(securite="starttls", auth=True)
    compte = creer_compte(serveur, collectivite=monde.collectivite)

    _envoyer(monde, compte)

    assert len(serveur.boite.recus) == 1


def test_ssl_fonctionne(monde, serveur_smtp, smtp_sans_verification):
    serveur = serveur_smtp(securite="ssl", auth=True)
    compte = creer_compte(serveur, collectivite=monde.collectivite)

    _envoyer(monde, compte)

    assert serveur.boite.recus[0].identifiant == IDENTIFIANT


def test_certificat_verifie_par_defaut(monde, serveur_smtp, settings):
    settings.ECHARPE_SMTP_TIMEOUT = 2
    serveur = serveur_smtp(securite="starttls", auth=True)
    compte = creer_compte(serveur, collectivite=monde.collectivite)

    with pytest.raises(EchecDefinitif) as erreur:
        _envoyer(monde, compte)

    assert erreur.value.message.startswith(
        "La négociation TLS a échoué : le certificat du serveur n'est pas reconnu"
    )
    assert serveur.boite.recus == []


def test_serveur_sans_starttls(monde, serveur_smtp, smtp_sans_verification):
    serveur = serveur_smtp(securite="aucune")
    compte = creer_compte(serveur, collectivite=monde.collectivite, securite="starttls")

    with pytest.raises(EchecDefinitif) as erreur:
        _envoyer(monde, compte)

    assert "le serveur ne propose pas STARTTLS" in erreur.value.message
    assert serveur.boite.recus == []


def test_ssl_vers_un_serveur_en_clair(monde, serveur_smtp, smtp_sans_verification):
    serveur = serveur_smtp(securite="aucune")
    compte = creer_compte(serveur, collectivite=monde.collectivite, securite="ssl")

    with pytest.raises(EchecDefinitif, match="La négociation TLS a échoué"):
        _envoyer(monde, compte)


# --- Une connexion pour un lot ------------------------------------------------------------


def test_une_seule_connexion_pour_plusieurs_messages(monde, serveur_smtp, smtp_sans_verification):
    serveur = serveur_smtp(securite="starttls", auth=True)
    compte = creer_compte(serveur, collectivite=monde.collectivite)

    with connexion_smtp(CompteResolu.depuis_compte(compte)) as connexion:
        for numero in range(5):
            _envoyer(monde, destinataires=[f"e{numero}@exemple.test"], connexion=connexion)

    assert len(serveur.boite.recus) == 5
    assert serveur.boite.connexions == 1
    assert connexion.ouvertures == 1
    assert not connexion.ouverte
    assert MessageEnvoye.objects.filter(statut=StatutMessage.ENVOYE, compte=compte).count() == 5


def test_un_refus_n_empeche_pas_le_message_suivant_du_lot(
    monde, serveur_smtp, smtp_sans_verification
):
    serveur = serveur_smtp(reponses={"refuse@exemple.test": "550 5.1.1 Inconnu"})
    compte = creer_compte(serveur, collectivite=monde.collectivite)

    with connexion_smtp(CompteResolu.depuis_compte(compte)) as connexion:
        with pytest.raises(EchecDefinitif):
            _envoyer(monde, destinataires=["refuse@exemple.test"], connexion=connexion)
        _envoyer(monde, destinataires=["ok@exemple.test"], connexion=connexion)

    assert [r.destinataires for r in serveur.boite.recus] == [["ok@exemple.test"]]
    assert serveur.boite.connexions == 1


def test_apres_un_421_la_connexion_est_rouverte(monde, serveur_smtp, smtp_sans_verification):
    serveur = serveur_smtp(reponses={"occupe@exemple.test": "421 4.7.0 Fermeture"})
    compte = creer_compte(serveur, collectivite=monde.collectivite)

    with connexion_smtp(CompteResolu.depuis_compte(compte)) as connexion:
        with pytest.raises(EchecTemporaire):
            _envoyer(monde, destinataires=["occupe@exemple.test"], connexion=connexion)
        _envoyer(monde, destinataires=["ok@exemple.test"], connexion=connexion)

    assert connexion.ouvertures == 2
    assert len(serveur.boite.recus) == 1


def test_une_connexion_coupee_entre_deux_messages_est_rouverte(
    monde, serveur_smtp, smtp_sans_verification
):
    serveur = serveur_smtp(securite="starttls", auth=True)
    compte = creer_compte(serveur, collectivite=monde.collectivite)

    with connexion_smtp(CompteResolu.depuis_compte(compte)) as connexion:
        _envoyer(monde, destinataires=["un@exemple.test"], connexion=connexion)
        # Le serveur coupe la connexion inactive (sans 421), comme après son délai d'inactivité.
        assert serveur.fermer_connexions() == 1
        _envoyer(monde, destinataires=["deux@exemple.test"], connexion=connexion)

    assert connexion.ouvertures == 2
    assert [r.destinataires for r in serveur.boite.recus] == [
        ["un@exemple.test"],
        ["deux@exemple.test"],
    ]
    assert MessageEnvoye.objects.filter(statut=StatutMessage.ENVOYE).count() == 2


# --- En-têtes -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("champ", "valeur"),
    [
        ("sujet", "Objet\r\nBcc: victime@exemple.test"),
        ("destinataires", ["a@exemple.test\nBcc: victime@exemple.test"]),
        ("reply_to", ["r@exemple.test\r\nBcc: victime@exemple.test"]),
        ("entetes", {"X-Echarpe": "valeur\nBcc: victime@exemple.test"}),
        ("entetes", {"X-Echarpe\nBcc": "valeur"}),
        ("entetes", {"Bcc": "victime@exemple.test"}),
        ("pieces_jointes", [("a.pdf\r\nBcc: v@exemple.test", b"x", "application/pdf")]),
    ],
)
def test_injection_d_en_tete_refusee(monde, serveur_smtp, smtp_sans_verification, champ, valeur):
    serveur = serveur_smtp()
    compte = creer_compte(serveur, collectivite=monde.collectivite)

    with pytest.raises(ValueError) as erreur:
        _envoyer(monde, compte, **{champ: valeur})

    assert str(erreur.value)[0].isupper()  # message français lisible, pas une trace
    assert serveur.boite.recus == []
    assert not MessageEnvoye.objects.exists()


def test_nom_affiche_avec_retour_a_la_ligne_refuse(monde, serveur_smtp, smtp_sans_verification):
    serveur = serveur_smtp()
    compte = creer_compte(
        serveur, collectivite=monde.collectivite, nom_affiche="Mairie\r\nBcc: v@exemple.test"
    )

    with pytest.raises(ValueError, match="Le nom affiché ne doit pas contenir de retour"):
        _envoyer(monde, compte)

    assert serveur.boite.recus == []


def test_adresse_de_destinataire_invalide(monde, serveur_smtp, smtp_sans_verification):
    serveur = serveur_smtp()
    compte = creer_compte(serveur, collectivite=monde.collectivite)

    with pytest.raises(ValueError, match="L'adresse du destinataire est invalide"):
        _envoyer(monde, compte, destinataires=["pas-une-adresse"])


# --- Mot de passe jamais divulgué ---------------------------------------------------------


def test_le_mot_de_passe_n_apparait_jamais_dans_l_erreur(
    monde, serveur_smtp, smtp_sans_verification
):
    # Un serveur qui renverrait le secret dans sa réponse ne le fait pas fuiter.
    serveur = serveur_smtp(
        securite="starttls",
        auth=True,
        reponses={"x@exemple.test": f"550 5.1.1 mot de passe {MOT_DE_PASSE} inconnu"},
    )
    compte = creer_compte(serveur, collectivite=monde.collectivite)

    with pytest.raises(EchecDefinitif) as erreur:
        _envoyer(monde, compte, destinataires=["x@exemple.test"])

    assert MOT_DE_PASSE not in erreur.value.message
    assert MOT_DE_PASSE not in str(erreur.value)
    assert MOT_DE_PASSE not in MessageEnvoye.objects.get().reponse_smtp
    assert "********" in erreur.value.message


def test_les_logs_ne_contiennent_ni_mot_de_passe_ni_corps(
    monde, serveur_smtp, smtp_sans_verification, caplog
):
    serveur = serveur_smtp(securite="starttls", auth=True)
    compte = creer_compte(serveur, collectivite=monde.collectivite)
    caplog.set_level("DEBUG", logger="core")

    trace = _envoyer(monde, compte, texte="Corps très personnel")

    # Les logs d'Écharpe seulement (le serveur de test journalise ses propres échanges).
    texte = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("core"))
    assert trace.message_id in texte
    assert MOT_DE_PASSE not in texte
    assert "Corps très personnel" not in texte
    assert "electeur@exemple.test" not in texte
    assert MOT_DE_PASSE not in repr(CompteResolu.depuis_compte(compte))


# --- Gabarits ---------------------------------------------------------------------------------


def test_envoyer_gabarit_rend_les_trois_parties(monde, serveur_smtp, smtp_sans_verification):
    serveur = serveur_smtp()
    compte = creer_compte(serveur, collectivite=monde.collectivite, adresse_expediteur="a&b@x.test")

    envoyer_gabarit(
        gabarit="test_smtp",
        contexte={"compte": compte, "collectivite": monde.collectivite, "par": "Claire"},
        collectivite=monde.collectivite,
        expediteur=None,
        destinataires=["electeur@exemple.test"],
        compte=compte,
    )

    message = serveur.boite.recus[0].message
    assert str(message["Subject"]) == "Écharpe : message de test du compte a&b@x.test"
    texte = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    # Le texte n'est pas échappé comme du HTML ; le HTML l'est.
    assert "a&b@x.test" in texte
    assert "a&amp;b@x.test" in html


def test_gabarit_sans_html(tmp_path, settings):
    dossier = tmp_path / "emails"
    dossier.mkdir()
    (dossier / "seul.subject.txt").write_text("Objet\nsur deux lignes")
    (dossier / "seul.txt").write_text("Texte {{ nom }}")
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]

    sujet, texte, html = rendre_gabarit(gabarit="seul", contexte={"nom": "Hélène"})

    assert (sujet, texte, html) == ("Objet sur deux lignes", "Texte Hélène", None)


def test_nom_de_gabarit_sans_chemin_arbitraire():
    with pytest.raises(ValueError, match="Nom de gabarit"):
        rendre_gabarit(gabarit="../registration/login", contexte={})


# --- Démonstration ------------------------------------------------------------------------


def test_en_demo_envoyer_ecrit_dans_la_boite_sans_serveur(monde, settings, tmp_path, port_ferme):
    settings.ECHARPE_BOITE_DEMO = str(tmp_path / "outbox")
    compte = creer_compte(collectivite=monde.collectivite, port=port_ferme)

    trace = _envoyer(monde, compte)

    [fichier] = list(Path(settings.ECHARPE_BOITE_DEMO).glob("*.eml"))
    assert b"Subject: Avis de radiation" in fichier.read_bytes()
    trace.refresh_from_db()
    assert trace.statut == StatutMessage.ENVOYE
    assert trace.compte == compte
    assert (trace.code_smtp, trace.reponse_smtp) == (250, REPONSE_BOITE_DEMO)


def test_backend_boite_demo_pour_les_courriels_de_django(settings, tmp_path):
    from django.core.mail import EmailMessage, get_connection, send_mail

    settings.ECHARPE_BOITE_DEMO = str(tmp_path / "outbox")
    settings.EMAIL_BACKEND = "core.mail.backends.BoiteDemoBackend"

    send_mail("Réinitialisation", "Votre lien", "ne-pas-repondre@x.test", ["a@exemple.test"])
    send_mail("Deuxième", "Texte", "ne-pas-repondre@x.test", ["b@exemple.test"])
    sans_destinataire = EmailMessage("Rien", "Rien", "n@x.test", [])
    assert BoiteDemoBackend().send_messages([sans_destinataire]) == 0

    fichiers = sorted(Path(settings.ECHARPE_BOITE_DEMO).glob("*.eml"))
    sujets = [
        str(BytesParser(policy=policy.default).parsebytes(f.read_bytes())["Subject"])
        for f in fichiers
    ]
    assert sujets == ["Réinitialisation", "Deuxième"]
    assert isinstance(get_connection(), BoiteDemoBackend)


def test_une_trace_d_envoi_n_a_pas_le_mot_de_passe_du_compte(
    monde, serveur_smtp, smtp_sans_verification
):
    serveur = serveur_smtp(securite="ssl", auth=True)
    compte = creer_compte(serveur, collectivite=monde.collectivite)

    trace = _envoyer(monde, compte)

    valeurs = " ".join(
        str(v) for v in MessageEnvoye.objects.filter(pk=trace.pk).values().get().values()
    )
    assert MOT_DE_PASSE not in valeurs


# --- Adresses internationalisées (IDN) ------------------------------------------------------


def test_domaine_accentue_part_en_punycode(monde, serveur_smtp, smtp_sans_verification):
    serveur = serveur_smtp()
    compte = creer_compte(serveur, collectivite=monde.collectivite)

    trace = _envoyer(monde, compte, destinataires=["helene@exemple.test", "a@exémple.fr"])

    [recu] = serveur.boite.recus
    assert recu.destinataires == ["helene@exemple.test", "a@xn--exmple-cva.fr"]
    assert str(recu.message["To"]) == "helene@exemple.test, a@xn--exmple-cva.fr"
    trace.refresh_from_db()
    assert trace.statut == StatutMessage.ENVOYE


def test_partie_locale_accentuee_echec_definitif_en_francais(
    monde, serveur_smtp, smtp_sans_verification
):
    serveur = serveur_smtp()
    compte = creer_compte(serveur, collectivite=monde.collectivite)

    with connexion_smtp(CompteResolu.depuis_compte(compte)) as connexion:
        with pytest.raises(EchecDefinitif) as erreur:
            connexion.transmettre(
                expediteur="mairie@saint-test.test",
                destinataires=["hélène@exemple.test"],
                contenu=b"Subject: x\r\n\r\nx\r\n",
            )
        # La connexion sert encore au message suivant.
        connexion.transmettre(
            expediteur="mairie@saint-test.test",
            destinataires=["ok@exemple.test"],
            contenu=b"Subject: y\r\n\r\ny\r\n",
        )

    assert erreur.value.message == MESSAGE_NON_ASCII
    assert "codec" not in str(erreur.value)
    assert [r.destinataires for r in serveur.boite.recus] == [["ok@exemple.test"]]


def test_une_erreur_unicode_de_smtplib_devient_un_echec_definitif_trace(
    monde, serveur_smtp, smtp_sans_verification, monkeypatch
):
    # Sans la conversion de l'enveloppe, smtplib lève UnicodeEncodeError au RCPT : la trace
    # ne doit pas rester « en cours » (faux « incertain ») ni montrer une erreur anglaise.
    import core.mail.connexion
    import core.mail.services

    # Partout où l'enveloppe est convertie : vérification dans `envoyer`, puis `transmettre`.
    monkeypatch.setattr(core.mail.services, "adresse_enveloppe", lambda adresse: adresse)
    monkeypatch.setattr(core.mail.connexion, "adresse_enveloppe", lambda adresse: adresse)
    serveur = serveur_smtp()
    compte = creer_compte(serveur, collectivite=monde.collectivite)

    with pytest.raises(EchecDefinitif) as erreur:
        _envoyer(monde, compte, destinataires=["a@exémple.fr"])

    assert erreur.value.message == MESSAGE_NON_ASCII
    trace = MessageEnvoye.objects.get()
    assert trace.statut == StatutMessage.ECHEC
    assert trace.reponse_smtp == MESSAGE_NON_ASCII
    assert serveur.boite.recus == []


def test_erreur_inattendue_avant_la_transmission_trace_en_echec(
    monde, serveur_smtp, smtp_sans_verification, monkeypatch
):
    from core.mail.connexion import ConnexionSMTP

    def panne(self, expediteur):
        raise RuntimeError("panne imprévue")

    monkeypatch.setattr(ConnexionSMTP, "_preparer", panne)
    serveur = serveur_smtp()
    compte = creer_compte(serveur, collectivite=monde.collectivite)

    with pytest.raises(RuntimeError, match="panne imprévue"):
        _envoyer(monde, compte)

    trace = MessageEnvoye.objects.get()
    assert trace.statut == StatutMessage.ECHEC
    assert trace.reponse_smtp == MESSAGE_ERREUR_INATTENDUE


def test_erreur_inattendue_apres_la_transmission_reste_incertaine(
    monde, serveur_smtp, smtp_sans_verification, monkeypatch
):
    import smtplib

    import core.mail.connexion

    transmis = {"donnees": False}
    donnees = core.mail.connexion._donnees
    getreply = smtplib.SMTP.getreply

    def noter(contenu):
        transmis["donnees"] = True
        return donnees(contenu)

    def reponse_illisible(self):
        if transmis["donnees"]:
            raise RuntimeError("réponse illisible")
        return getreply(self)

    monkeypatch.setattr(core.mail.connexion, "_donnees", noter)
    monkeypatch.setattr(smtplib.SMTP, "getreply", reponse_illisible)
    serveur = serveur_smtp()
    compte = creer_compte(serveur, collectivite=monde.collectivite)

    with pytest.raises(EchecTemporaire) as erreur:
        _envoyer(monde, compte)

    assert erreur.value.incertain is True
    assert MessageEnvoye.objects.get().statut == StatutMessage.EN_COURS


# --- Courriels de la plateforme : EnvoyerBackend ---------------------------------------------


@pytest.fixture
def plateforme(settings, serveur_smtp, smtp_sans_verification):
    """Le compte par défaut de la plateforme pointe vers le serveur local."""
    serveur = serveur_smtp()
    settings.EMAIL_BACKEND = "core.mail.backends.EnvoyerBackend"
    settings.ECHARPE_SMTP_DEFAUT = {
        "hote": serveur.hote,
        "port": serveur.port,
        "securite": "aucune",
        "identifiant": "",
        "mot_de_passe": "",
        "expediteur": "ne-pas-repondre@plateforme.test",
        "nom_affiche": "Écharpe",
    }
    return serveur


def test_backend_envoie_par_le_compte_de_la_plateforme(plateforme, caplog):
    from django.core.mail import EmailMultiAlternatives, get_connection

    caplog.set_level("INFO", logger="core")
    message = EmailMultiAlternatives(
        "Réinitialisation",
        "Votre lien",
        "autre@ignore.test",
        ["a@exemple.test"],
        reply_to=["aide@plateforme.test"],
        headers={"X-Echarpe": "1", "Message-ID": "<x@y>"},
    )
    message.attach_alternative("<p>Votre lien</p>", "text/html")
    message.attach("note.txt", "contenu", "text/plain")

    assert get_connection().send_messages([message]) == 1

    [recu] = plateforme.boite.recus
    courriel = recu.message
    assert recu.expediteur == "ne-pas-repondre@plateforme.test"
    assert recu.destinataires == ["a@exemple.test"]
    assert str(courriel["From"]) == "Écharpe <ne-pas-repondre@plateforme.test>"
    assert str(courriel["Subject"]) == "Réinitialisation"
    assert str(courriel["Reply-To"]) == "aide@plateforme.test"
    assert courriel["X-Echarpe"] == "1"
    assert courriel["Message-ID"] != "<x@y>"
    assert courriel.get_body(("html",)).get_content().strip() == "<p>Votre lien</p>"
    [piece] = list(courriel.iter_attachments())
    assert (piece.get_filename(), piece.get_content()) == ("note.txt", "contenu")
    # Sans collectivité, pas de ligne MessageEnvoye : le Message-ID et le statut sont loggés.
    assert not MessageEnvoye.objects.exists()
    lignes = [r.getMessage() for r in caplog.records if r.name == "core.mail.backends"]
    assert f"Courriel de plateforme {courriel['Message-ID']} : envoye (code 250)" in lignes
    assert not any("a@exemple.test" in ligne for ligne in lignes)


def test_backend_copie_cachee_un_message_par_destinataire(plateforme):
    from django.core.mail import EmailMessage

    EmailMessage("Objet", "Texte", None, ["a@exemple.test"], bcc=["cache@exemple.test"]).send()

    visibles, cache = plateforme.boite.recus
    assert visibles.destinataires == ["a@exemple.test"]
    assert cache.destinataires == ["cache@exemple.test"]
    # Le message des destinataires visibles ne trahit pas la copie cachée.
    assert b"cache@exemple.test" not in visibles.contenu
    assert visibles.message["Bcc"] is None
    assert cache.message["Bcc"] is None


def test_backend_echec_leve_sauf_fail_silently(plateforme, settings):
    from django.core.mail import send_mail

    plateforme.boite.reponses["refuse@exemple.test"] = "550 5.1.1 Inconnu"

    with pytest.raises(EchecDefinitif):
        send_mail("Objet", "Texte", None, ["refuse@exemple.test"])
    assert send_mail("Objet", "Texte", None, ["refuse@exemple.test"], fail_silently=True) == 0

    settings.ECHARPE_SMTP_DEFAUT = {**settings.ECHARPE_SMTP_DEFAUT, "hote": ""}
    with pytest.raises(AucunCompte):
        send_mail("Objet", "Texte", None, ["a@exemple.test"])


@pytest.mark.parametrize(
    ("adresse", "classe"),
    [("refuse@exemple.test", EchecDefinitif), ("pas-une-adresse", ValueError)],
    ids=["refus-550", "adresse-invalide"],
)
def test_backend_l_erreur_relevee_ne_cite_pas_l_adresse(plateforme, adresse, classe):
    from django.core.mail import send_mail

    plateforme.boite.reponses["refuse@exemple.test"] = "550 5.1.1 <refuse@exemple.test> inconnu"

    with pytest.raises(classe) as erreur:
        send_mail("Objet", "Texte", None, [adresse])

    code = 550 if classe is EchecDefinitif else None
    attendu = f"Courriel de plateforme non envoyé : {classe.__name__} (code {code})."
    assert str(erreur.value) == attendu
    assert getattr(erreur.value, "code", None) == code
    # `from None` : la trace affichée ne remonte pas à l'erreur d'origine.
    assert erreur.value.__suppress_context__ is True
    assert erreur.value.__cause__ is None
    trace = "".join(traceback.format_exception(erreur.value))
    assert adresse not in trace


def test_reinitialisation_refusee_550_aucune_adresse_dans_les_logs(plateforme, monde, caplog):
    """Django journalise l'échec avec `logger.exception` : la trace de l'exception relevée
    par `EnvoyerBackend` ne cite pas l'adresse refusée."""
    from django.test import Client
    from django.urls import reverse

    agent = monde.personnes["agent_elections"]
    plateforme.boite.reponses[agent.email] = f"550 5.1.1 <{agent.email}>: Recipient unknown"

    with caplog.at_level(logging.DEBUG):
        reponse = Client().post(reverse("password_reset"), {"email": agent.email})

    assert reponse.status_code == 302
    assert plateforme.boite.recus == []
    [echec] = [r for r in caplog.records if r.name == "django.contrib.auth"]
    assert echec.exc_info is not None
    assert "EchecDefinitif (code 550)" in logging.Formatter().formatException(echec.exc_info)
    textes = textes_de_log(caplog.records)
    assert not [t for t in textes if agent.email.lower() in t.lower()]


def test_reinitialisation_du_mot_de_passe_passe_par_core_mail(plateforme, monde):
    from django.test import Client
    from django.urls import reverse

    agent = monde.personnes["agent_elections"]

    reponse = Client().post(reverse("password_reset"), {"email": agent.email})

    assert reponse.status_code == 302
    [recu] = plateforme.boite.recus
    assert recu.destinataires == [agent.email]
    assert recu.expediteur == "ne-pas-repondre@plateforme.test"
    texte = recu.message.get_body(("plain",)).get_content()
    assert "/compte/mot-de-passe/nouveau/" in texte


def test_un_seul_chemin_d_envoi_dans_les_reglages():
    import importlib
    import json
    import os
    import subprocess
    import sys

    from django.conf import settings

    base = importlib.import_module("config.settings.base")
    code = (
        "import django, json; django.setup();"
        "import config.settings.production as p; from django.conf import settings as s;"
        "print(json.dumps([s.EMAIL_BACKEND, sorted(n for n in vars(p) if n.startswith('EMAIL_'))]))"
    )
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "s" * 50,
        "DJANGO_ALLOWED_HOSTS": "x.example",
        "DATABASE_URL": "postgres://a@127.0.0.1/b",
        "ECHARPE_CLES_CHIFFREMENT": "dGVzdHMtc2V1bGVtZW50LWNsZS1mZXJuZXQtMzJvY3Q=",
        "ECHARPE_CLES_JOURNAL": "cle-de-journal-de-test",
    }
    resultat = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert resultat.returncode == 0, resultat.stderr
    backend, reglages_email = json.loads(resultat.stdout.strip().splitlines()[-1])
    assert backend == "core.mail.backends.EnvoyerBackend"
    assert reglages_email == ["EMAIL_BACKEND"]
    assert not [n for n in vars(base) if n.startswith("EMAIL_") and n != "EMAIL_BACKEND"]


def test_nom_de_serveur_impossible_a_encoder(monde, smtp_sans_verification):
    compte = creer_compte(collectivite=monde.collectivite, port=25)
    compte.hote = "smtp." + "é" * 70 + ".test"  # étiquette IDNA trop longue
    compte.save()

    with pytest.raises(EchecDefinitif) as erreur:
        _envoyer(monde, compte)

    assert erreur.value.message == f"Le nom du serveur « {compte.hote} » n'est pas valide."
    assert MessageEnvoye.objects.get().statut == StatutMessage.ECHEC


# --- Injection par mot encodé (RFC 2047, CVE-2024-6923) -------------------------------------

CHARGES_ENCODEES = [
    "=?utf-8?q?x=0D=0AX-Injected=3A_yes?=",
    "=?utf-8?b?eA0KWC1JbmplY3RlZDogeWVz?=",  # « x\r\nX-Injected: yes » en base64
    "Mairie =?utf-8?q?x=0ABcc=3A_victime=40exemple.test?=",
    "=?utf-8?Q?x=0D=0AReply-To=3A_pirate=40exemple.test?=",
    "=?UTF-8?B?eApCY2M6IHZpY3RpbWVAZXhlbXBsZS50ZXN0?=",  # « x\nBcc: victime@… »
    "=?utf-8?q?a=0D=0A=0D=0Acorps_avance?=",
    # Un mot encodé qui en cache un autre.
    "=?utf-8?q?=3D=3Futf-8=3Fq=3Fx=3D0D=3D0AX-Injected=3D3A_yes=3F=3D?=",
    "=?utf-8?q?x=00nul?=",
]
ENTETES_ATTENDUS = {
    "from",
    "to",
    "subject",
    "date",
    "message-id",
    "mime-version",
    "content-type",
    "content-transfer-encoding",
}


def _entetes_recus(recu) -> list[str]:
    return [nom.lower() for nom in recu.message]


@pytest.mark.parametrize("charge", CHARGES_ENCODEES)
@pytest.mark.parametrize("champ", ["nom_affiche", "sujet", "entetes", "pieces_jointes"])
def test_injection_par_mot_encode_refusee(
    monde, serveur_smtp, smtp_sans_verification, champ, charge
):
    serveur = serveur_smtp()
    if champ == "nom_affiche":
        compte = creer_compte(serveur, collectivite=monde.collectivite, nom_affiche=charge)
        valeurs = {}
    else:
        compte = creer_compte(serveur, collectivite=monde.collectivite)
        valeurs = {
            "sujet": {"sujet": charge},
            "entetes": {"entetes": {"X-Echarpe": charge}},
            "pieces_jointes": {"pieces_jointes": [(charge, b"x", "application/pdf")]},
        }[champ]

    with pytest.raises(ValueError) as erreur:
        _envoyer(monde, compte, **valeurs)

    assert "contient un caractère interdit" in str(erreur.value)
    assert serveur.boite.recus == []
    assert not MessageEnvoye.objects.exists()


@pytest.mark.parametrize(
    "adresse",
    [
        "=?utf-8?q?x=0D=0AX-Injected=3A_yes?=@exemple.test",
        "=?utf-8?b?eA0KWC1JbmplY3RlZDogeWVz?=@exemple.test",
        "=?utf-8?q?x?=a@exemple.test",
    ],
)
@pytest.mark.parametrize("champ", ["destinataires", "reply_to", "expediteur"])
def test_adresse_avec_mot_encode_refusee_en_francais(
    monde, serveur_smtp, smtp_sans_verification, champ, adresse
):
    serveur = serveur_smtp()
    if champ == "expediteur":
        compte = creer_compte(serveur, collectivite=monde.collectivite, adresse_expediteur=adresse)
        valeurs = {}
    else:
        compte = creer_compte(serveur, collectivite=monde.collectivite)
        valeurs = {champ: [adresse]}

    with pytest.raises(ValueError) as erreur:
        _envoyer(monde, compte, **valeurs)

    # Avant : « missing trailing whitespace after encoded-word » (défaut du module email).
    assert type(erreur.value) is ValueError
    assert "est invalide" in str(erreur.value)
    assert "encoded" not in str(erreur.value)
    assert serveur.boite.recus == []


def test_objet_de_gabarit_neutralise_le_nom_de_collectivite(
    monde, serveur_smtp, smtp_sans_verification
):
    """Le nom d'une collectivité arrive dans l'objet par le gabarit : il est neutralisé (mot
    encodé décodé, retour à la ligne remplacé), le message part sans en-tête ajouté."""
    serveur = serveur_smtp()
    compte = creer_compte(serveur, collectivite=monde.collectivite)

    envoyer_gabarit(
        gabarit="activation",
        contexte={"collectivite_nom": "Saint-=?utf-8?q?x=0D=0AX-Injected=3A_yes?="},
        collectivite=monde.collectivite,
        expediteur=None,
        destinataires=["electeur@exemple.test"],
        compte=compte,
    )

    [recu] = serveur.boite.recus
    assert set(_entetes_recus(recu)) == ENTETES_ATTENDUS
    assert str(recu.message["Subject"]) == "Activez votre compte Écharpe — Saint-x X-Injected: yes"


def test_le_message_mis_en_forme_est_verifie_en_dernier_recours(
    monde, serveur_smtp, smtp_sans_verification, monkeypatch
):
    """Si une valeur dangereuse échappait aux contrôles (ici désactivés), le message mis en
    forme est relu : un en-tête en plus et rien ne part."""
    import core.mail.services

    monkeypatch.setattr(core.mail.services, "verifier_entete", lambda valeur, libelle: valeur)
    serveur = serveur_smtp()
    compte = creer_compte(serveur, collectivite=monde.collectivite)

    with pytest.raises(EchecDefinitif) as erreur:
        _envoyer(monde, compte, sujet="=?utf-8?q?x=0D=0AX-Injected=3A_yes?=")

    assert erreur.value.message == MESSAGE_ENTETES_ALTERES
    assert serveur.boite.recus == []
    trace = MessageEnvoye.objects.get()
    assert trace.statut == StatutMessage.ECHEC
    assert trace.reponse_smtp == MESSAGE_ENTETES_ALTERES


def test_un_message_normal_porte_exactement_les_en_tetes_poses(
    monde, serveur_smtp, smtp_sans_verification
):
    serveur = serveur_smtp()
    compte = creer_compte(
        serveur, collectivite=monde.collectivite, nom_affiche="Mairie =?utf-8?q?Caf=C3=A9?="
    )

    _envoyer(monde, compte, sujet="Objet =?utf-8?q?=C3=A9t=C3=A9?=", reply_to=["r@exemple.test"])

    [recu] = serveur.boite.recus
    assert sorted(_entetes_recus(recu)) == sorted(ENTETES_ATTENDUS | {"reply-to"})
    assert recu.message["From"].addresses[0].display_name == "Mairie Café"


# --- Erreurs du module email : en français --------------------------------------------------


def test_une_erreur_du_module_email_a_la_construction_devient_francaise(
    monde, serveur_smtp, smtp_sans_verification, monkeypatch
):
    from email.errors import HeaderParseError

    import core.mail.services

    def panne(**kwargs):
        raise HeaderParseError("expected atom but found '@'")

    monkeypatch.setattr(core.mail.services, "_assembler", panne)
    compte = creer_compte(serveur_smtp(), collectivite=monde.collectivite)

    with pytest.raises(ValueError) as erreur:
        _envoyer(monde, compte)

    assert type(erreur.value) is ValueError
    assert str(erreur.value) == MESSAGE_CONSTRUCTION


def test_une_erreur_du_module_email_a_la_mise_en_forme_devient_francaise(
    monde, serveur_smtp, smtp_sans_verification, monkeypatch
):
    from email.errors import MessageError
    from email.message import EmailMessage

    def panne(self, *args, **kwargs):
        raise MessageError("folded header contains newline")

    monkeypatch.setattr(EmailMessage, "as_bytes", panne)
    serveur = serveur_smtp()
    compte = creer_compte(serveur, collectivite=monde.collectivite)

    with pytest.raises(EchecDefinitif) as erreur:
        _envoyer(monde, compte)

    assert erreur.value.message == MESSAGE_ENTETES_ALTERES
    assert MessageEnvoye.objects.get().reponse_smtp == MESSAGE_ENTETES_ALTERES
    assert serveur.boite.recus == []


# --- Échéance globale -----------------------------------------------------------------------


def test_un_serveur_goutte_a_goutte_est_coupe_a_l_echeance_globale(
    monde, serveur_goutte, smtp_sans_verification
):
    # Un octet toutes les 0,2 s : le délai par lecture (2 s) n'expire jamais.
    smtp_sans_verification.ECHARPE_SMTP_DELAI_GLOBAL = 2
    compte = creer_compte(collectivite=monde.collectivite, port=serveur_goutte.port)

    debut = time.monotonic()
    with pytest.raises(EchecTemporaire) as erreur:
        _envoyer(monde, compte)
    duree = time.monotonic() - debut

    assert duree < 4
    assert erreur.value.message == (
        "Le serveur n'a pas terminé l'échange dans le délai de 2 secondes : la connexion a été "
        "interrompue."
    )
    assert MessageEnvoye.objects.get().statut == StatutMessage.ECHEC_TEMPORAIRE


def test_l_echeance_vaut_pour_chaque_message_d_un_lot(monde, serveur_smtp, smtp_sans_verification):
    """Une connexion de lot ne garde pas l'échéance de son ouverture : chaque message a la
    sienne."""
    smtp_sans_verification.ECHARPE_SMTP_DELAI_GLOBAL = 1
    serveur = serveur_smtp()
    compte = creer_compte(serveur, collectivite=monde.collectivite)

    with connexion_smtp(CompteResolu.depuis_compte(compte)) as connexion:
        _envoyer(monde, compte, connexion=connexion)
        time.sleep(1.2)
        _envoyer(monde, compte, connexion=connexion)

    assert len(serveur.boite.recus) == 2
    assert serveur.boite.connexions == 1


@pytest.mark.parametrize("securite", ["starttls", "ssl"])
def test_l_echeance_borne_aussi_les_echanges_chiffres(
    monde, serveur_smtp, smtp_sans_verification, securite
):
    smtp_sans_verification.ECHARPE_SMTP_DELAI_GLOBAL = 5
    serveur = serveur_smtp(securite=securite, auth=True)
    compte = creer_compte(serveur, collectivite=monde.collectivite)

    trace = _envoyer(monde, compte)

    assert trace.statut == StatutMessage.ENVOYE
    assert len(serveur.boite.recus) == 1


# --- Mot de passe masqué comme mot entier ----------------------------------------------------


def test_le_mot_de_passe_n_est_masque_que_comme_mot_entier(
    monde, serveur_smtp, smtp_sans_verification
):
    serveur = serveur_smtp(
        reponses={"electeur@exemple.test": "550 5.7.1 connexion refusee : x inconnu"}
    )
    compte = creer_compte(serveur, collectivite=monde.collectivite, mot_de_passe="x")

    with pytest.raises(EchecDefinitif) as erreur:
        _envoyer(monde, compte)

    assert erreur.value.texte == (
        "Le serveur a refusé le destinataire electeur@exemple.test : "
        "550 5.7.1 connexion refusee : ******** inconnu"
    )


def test_les_formes_auth_du_mot_de_passe_sont_masquees(monde, serveur_smtp, smtp_sans_verification):
    import base64

    plain = base64.b64encode(f"\0{IDENTIFIANT}\0{MOT_DE_PASSE}".encode()).decode()
    login = base64.b64encode(MOT_DE_PASSE.encode()).decode()
    serveur = serveur_smtp(
        securite="starttls",
        auth=True,
        reponses={"electeur@exemple.test": f"550 5.7.1 vu {plain} puis {login} refuse"},
    )
    compte = creer_compte(serveur, collectivite=monde.collectivite)

    with pytest.raises(EchecDefinitif) as erreur:
        _envoyer(monde, compte)

    assert plain not in erreur.value.texte and login not in erreur.value.texte
    assert erreur.value.texte.endswith("550 5.7.1 vu ******** puis ******** refuse")
    assert plain not in MessageEnvoye.objects.get().reponse_smtp


def test_la_reponse_de_succes_ne_montre_pas_le_mot_de_passe(
    monde, serveur_smtp, smtp_sans_verification
):
    serveur = serveur_smtp(
        securite="starttls", auth=True, reponse_data=f"250 2.0.0 Ok {MOT_DE_PASSE} queued"
    )
    compte = creer_compte(serveur, collectivite=monde.collectivite)

    trace = _envoyer(monde, compte)

    assert trace.reponse_smtp == "250 2.0.0 Ok ******** queued"


def test_la_facade_core_mail_relaie_les_modules_decoupes():
    import core.mail
    from core.mail import backends, connexion, entetes, outbox, services

    assert core.mail.envoyer is services.envoyer
    assert core.mail.ErreurEnvoi is services.ErreurEnvoi
    assert core.mail.ConnexionSMTP is connexion.ConnexionSMTP
    assert core.mail.verifier_entete is entetes.verifier_entete
    assert core.mail.boite_demo_noms is outbox.boite_demo_noms
    assert core.mail.EnvoyerBackend is backends.EnvoyerBackend
    with pytest.raises(AttributeError):
        core.mail._donnees  # noqa: B018


# --- Construction rapide : en-têtes gardés, blocs vérifiés sans réanalyse ----------------------


def _message_avec_piece():
    return _assembler(
        expediteur="mairie@exemple.test",
        nom_affiche="Mairie d'Exemple, « accueil »",
        destinataires=["elu@exemple.test"],
        sujet="Convocation : conseil municipal du 15/12/2026 à 18 h 30 " + "é" * 60,
        texte="Bonjour,\n.\nÀ bientôt\n",
        html="<p>Bonjour</p>",
        pieces_jointes=[("seance.ics", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar")],
        reply_to=["secretariat@exemple.test"],
        entetes={"X-Echarpe": "convocation"},
    )


def test_les_en_tetes_repetes_sont_analyses_une_fois_et_plies_a_l_identique():
    registre = _EntetesMemorises()
    valeurs = [
        ("Subject", "Convocation : conseil municipal du 15/12/2026 à 18 h 30 " + "é" * 60),
        ("From", '"Mairie d\'Exemple, accueil" <mairie@exemple.test>'),
        ("Subject", "=?utf-8?q?d=C3=A9j=C3=A0_encod=C3=A9?= et la suite"),
        ("Content-Type", 'text/plain; charset="utf-8"'),
    ]
    for nom, valeur in valeurs:
        entete = registre(nom, valeur)
        assert registre(nom, valeur) is entete
        attendu = policy.default.header_factory(nom, valeur)
        assert str(entete) == str(attendu)
        for politique in (policy.SMTP, policy.default):
            assert entete.fold(policy=politique) == attendu.fold(policy=politique)
    # Ce qui change à chaque message n'est pas gardé.
    assert registre("To", "elu@exemple.test") is not registre("To", "elu@exemple.test")


def test_deux_messages_du_lot_partagent_leurs_en_tetes_et_restent_conformes():
    premier, second = _message_avec_piece(), _message_avec_piece()
    assert premier["Subject"] is second["Subject"]
    assert premier["From"] is second["From"]
    contenu = _serialiser(second)
    assert _blocs_conformes(contenu, second)
    assert contenu.count(b"Content-Type:") == 5  # mixed, alternative, texte, HTML, .ics


@pytest.mark.parametrize(
    "avant, apres",
    [
        # Un en-tête de plus dans le bloc principal, puis dans celui de la pièce jointe.
        (b"\r\nSubject:", b"\r\nBcc: espion@exemple.test\r\nSubject:"),
        (
            b'Content-Disposition: attachment; filename="seance.ics"',
            b'Content-Disposition: attachment; filename="seance.ics"\r\nX-Injected: oui',
        ),
        # Un retour à la ligne isolé dans un en-tête ; une partie retirée.
        (b"X-Echarpe: convocation", b"X-Echarpe: convo\ncation"),
        (b"Content-Type: text/calendar", b"Content-Typo: text/calendar"),
    ],
)
def test_un_bloc_d_en_tetes_altere_est_refuse(avant, apres):
    message = _message_avec_piece()
    contenu = message.as_bytes(policy=policy.SMTP)
    assert avant in contenu
    assert not _blocs_conformes(contenu.replace(avant, apres, 1), message)
