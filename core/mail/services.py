"""La seule fonction qui envoie un courriel : `envoyer`.

Tout courriel d'Écharpe passe par ici : le compte est choisi (`compte_pour_envoi`),
une trace `MessageEnvoye` est écrite « en cours » avant de parler au serveur, puis « envoyé »
à la réponse 250, ou « échec » / « échec temporaire » avec le code et la réponse du serveur.

Les tâches Celery ne réessaient que `EchecTemporaire` (4xx, délai dépassé, serveur
injoignable) ; `EchecDefinitif` (5xx, authentification refusée, TLS) est final. Quand
`EchecTemporaire.incertain` est vrai, le message entier a été transmis mais la réponse finale
n'est pas venue : la trace reste « en cours » (incertaine) et ne doit pas être
renvoyée automatiquement.

Une erreur imprévue après l'écriture de la trace la termine « échec » (message en français)
avant d'être relancée, sauf une fois le message entier transmis : elle devient alors un
`EchecTemporaire` incertain. Les domaines internationalisés partent en punycode ; une partie
locale accentuée est un `EchecDefinitif` (pas de SMTPUTF8).

Les courriels de Django (réinitialisation du mot de passe…) passent aussi par `envoyer`, avec
le compte de la plateforme : `core.mail.backends.EnvoyerBackend` est l'`EMAIL_BACKEND` par
défaut. Pour des milliers de messages, passer par `core.mail.lots` (une ligne de statut par
destinataire, une connexion par compte et par lot).

En démonstration (`ECHARPE_BOITE_DEMO`), les messages sont écrits dans une boîte locale
(`core.mail.outbox`, lisible sur /outbox/) au lieu de partir par SMTP.

Chaque valeur d'en-tête venue des données est vérifiée par `core.mail.entetes` ; dans le
message mis en forme, chaque bloc d'en-têtes est relu ici et doit porter exactement les
en-têtes posés. Les en-têtes qui se répètent d'un message à l'autre (expéditeur, objet,
en-têtes MIME) ne sont analysés qu'une fois (`_EntetesMemorises`). La connexion, ses
échéances et la traduction des erreurs du serveur sont dans `core.mail.connexion` ; les
erreurs elles-mêmes dans `core.mail.erreurs` (relayées ici).

Les logs portent les identifiants et les statuts ; jamais de mot de passe, d'adresse ni de
corps de message. Le texte d'une `ErreurEnvoi` (`str()`, `args`) ne cite aucune adresse : celui
que voit l'agent est `ErreurEnvoi.texte`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from email import policy
from email.headerregistry import Address, BaseHeader, HeaderRegistry
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.template import TemplateDoesNotExist
from django.template.loader import get_template, render_to_string
from django.utils import timezone

from core.comptes.models import Utilisateur
from core.mail.comptes import CompteResolu, MotDePasseIndechiffrable, compte_pour_envoi
from core.mail.connexion import (
    CRLF,
    ConnexionSMTP,
    connexion_smtp,
)
from core.mail.entetes import (
    _adresse,
    _adresse_entete,
    _verifier_entetes,
    adresse_enveloppe,
    neutraliser_entete,
    verifier_entete,
)
from core.mail.erreurs import (
    MESSAGE_CONSTRUCTION,
    MESSAGE_ENTETES_ALTERES,
    MESSAGE_ERREUR_INATTENDUE,
    MESSAGE_NON_ASCII,
    AucunCompte,
    EchecDefinitif,
    EchecTemporaire,
    ErreurEnvoi,
)
from core.mail.models import CompteSMTP, MessageEnvoye, StatutMessage
from core.mail.outbox import ecrire_boite_demo
from core.tenancy.models import Collectivite

logger = logging.getLogger(__name__)

REPONSE_BOITE_DEMO = "250 boîte de démonstration"
_NOM_GABARIT = re.compile(r"[a-z0-9_]+(/[a-z0-9_]+)*")


class _EntetePlie(BaseHeader):
    """En-tête de `policy.default` qui garde sa forme pliée : un même en-tête sert à tous les
    messages d'un lot (voir `_EntetesMemorises`), il n'est plié qu'une fois par politique."""

    def fold(self, *, policy: Any) -> str:
        plis: dict[tuple[Any, ...], str] = self.__dict__.setdefault("_plis", {})
        cle = (policy.linesep, policy.max_line_length, policy.utf8)
        plie = plis.get(cle)
        if plie is None:
            plie = plis[cle] = super().fold(policy=policy)
        return plie


# Ces en-têtes changent à chaque message : les garder ne ferait que remplir la mémoire.
_UNIQUES = frozenset({"to", "message-id"})


class _EntetesMemorises(HeaderRegistry):
    """Le registre de `policy.default`, mais un en-tête déjà analysé (même nom, même valeur)
    est rendu tel quel. Dans un lot, l'expéditeur, l'objet et les en-têtes MIME des parties se
    répètent à chaque message, et leur analyse par `email._header_value_parser` coûtait plus que
    tout le reste de la construction. Les objets en-têtes ne sont jamais modifiés en place
    (`set_param` en crée un nouveau) : les partager entre messages est sans effet sur eux."""

    LIMITE = 256

    def __init__(self) -> None:
        super().__init__(base_class=_EntetePlie)
        self._vus: dict[tuple[str, str], BaseHeader] = {}
        self._classes: dict[str, type[BaseHeader]] = {}

    def __getitem__(self, name: str) -> type[BaseHeader]:
        # Le registre de la bibliothèque crée une classe à chaque en-tête (`type(…)`) : une
        # seule par nom suffit, elles sont identiques.
        cle = name.lower()
        classe = self._classes.get(cle)
        if classe is None:
            classe = self._classes[cle] = super().__getitem__(name)
        return classe

    def __call__(self, name: str, value: Any) -> BaseHeader:
        if type(value) is not str or name.lower() in _UNIQUES or "boundary=" in value:
            return super().__call__(name, value)
        cle = (name, value)
        entete = self._vus.get(cle)
        if entete is None:
            if len(self._vus) >= self.LIMITE:
                self._vus.clear()
            entete = self._vus[cle] = super().__call__(name, value)
        return entete


# `policy.default`, avec le registre qui se souvient des en-têtes déjà analysés.
_POLITIQUE = policy.default.clone(header_factory=_EntetesMemorises())


def _construire(
    *,
    compte: CompteResolu,
    destinataires: list[str],
    sujet: str,
    texte: str,
    html: str | None,
    pieces_jointes: Sequence[tuple[str, bytes, str]],
    reply_to: list[str],
    entetes: dict[str, str],
) -> EmailMessage:
    expediteur = _adresse_entete(_adresse(compte.expediteur, "L'adresse d'expédition"))
    nom_affiche = verifier_entete(compte.nom_affiche, "Le nom affiché")
    try:
        return _assembler(
            expediteur=expediteur,
            nom_affiche=nom_affiche,
            destinataires=destinataires,
            sujet=sujet,
            texte=texte,
            html=html,
            pieces_jointes=pieces_jointes,
            reply_to=reply_to,
            entetes=entetes,
        )
    except Exception as erreur:
        # Le module `email` lève des erreurs en anglais (« missing trailing whitespace
        # after encoded-word ») : l'agent lit un message en français.
        logger.warning("Message impossible à construire (%s)", type(erreur).__name__)
        raise ValueError(MESSAGE_CONSTRUCTION) from None


def _assembler(
    *,
    expediteur: str,
    nom_affiche: str,
    destinataires: list[str],
    sujet: str,
    texte: str,
    html: str | None,
    pieces_jointes: Sequence[tuple[str, bytes, str]],
    reply_to: list[str],
    entetes: dict[str, str],
) -> EmailMessage:
    message = EmailMessage(policy=_POLITIQUE)
    message["From"] = _de(nom_affiche, expediteur)
    message["To"] = ", ".join(_adresse_entete(a) for a in destinataires)
    message["Subject"] = sujet
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=expediteur.rpartition("@")[2] or None)
    if reply_to:
        message["Reply-To"] = ", ".join(_adresse_entete(a) for a in reply_to)
    for nom, valeur in entetes.items():
        message[nom] = valeur
    message.set_content(texte, cte="quoted-printable")
    if html:
        message.add_alternative(html, subtype="html", cte="quoted-printable")
    for nom, contenu, type_mime in pieces_jointes:
        principal, _, secondaire = type_mime.partition("/")
        if not principal or not secondaire:
            principal, secondaire = "application", "octet-stream"
        message.add_attachment(contenu, maintype=principal, subtype=secondaire, filename=nom)
    return message


@lru_cache(maxsize=64)
def _de(nom_affiche: str, expediteur: str) -> str:
    """L'en-tête From sous forme de texte : l'en-tête d'un `Address` est analysé depuis ce même
    texte ; écrit ainsi, il est le même pour tout un lot et `_EntetesMemorises` le garde."""
    return str(Address(display_name=nom_affiche, addr_spec=expediteur))


def _serialiser(message: EmailMessage) -> bytes:
    """Les octets du message, vérifiés : chaque partie porte exactement les en-têtes posés
    (aucun en-tête ajouté par un retour à la ligne glissé dans une valeur : Bcc, Reply-To…,
    aucun corps avancé). `EchecDefinitif` en français sinon, quelle que soit la version du
    module `email`. La vérification lit les blocs d'en-têtes dans les octets, partie par partie
    (`_blocs_conformes`), sans réanalyser tout le message."""
    try:
        contenu = message.as_bytes(policy=policy.SMTP)
    except Exception as erreur:
        # Python corrigé (HeaderWriteError) ou autre refus du module `email`, en anglais.
        logger.warning("Message impossible à mettre en forme (%s)", type(erreur).__name__)
        raise EchecDefinitif(MESSAGE_ENTETES_ALTERES) from None
    if not _blocs_conformes(contenu, message):
        logger.warning("Message %s refusé : en-têtes altérés", message["Message-ID"])
        raise EchecDefinitif(MESSAGE_ENTETES_ALTERES)
    return contenu


def _blocs_conformes(contenu: bytes, partie: EmailMessage) -> bool:
    """Le bloc d'en-têtes de `contenu` nomme, dans l'ordre, les en-têtes de `partie` (une
    ligne qui ne commence pas par une espace ouvre un en-tête), sans CR ni LF isolé ; puis,
    pour une partie multiple, de même pour chaque sous-partie, découpée sur sa frontière."""
    bloc, separateur, corps = contenu.partition(CRLF + CRLF)
    if not separateur:
        return False
    lignes = bloc.split(CRLF)
    if any(b"\r" in ligne or b"\n" in ligne for ligne in lignes):
        return False
    noms = [ligne.split(b":", 1)[0].lower() for ligne in lignes if ligne[:1] not in (b" ", b"\t")]
    if noms != [nom.lower().encode("ascii", "replace") for nom in partie]:
        return False
    if not partie.is_multipart():
        return True
    frontiere = partie.get_boundary()
    sous_parties = partie.get_payload()
    if not frontiere or not isinstance(sous_parties, list):
        return False
    morceaux = (CRLF + corps).split(CRLF + b"--" + frontiere.encode("ascii"))
    # [préambule, CRLF + partie…, "--" + fin] : une sous-partie par morceau du milieu.
    milieu = morceaux[1:-1]
    if len(milieu) != len(sous_parties) or not morceaux[-1].startswith(b"--"):
        return False
    return all(
        morceau.startswith(CRLF) and _blocs_conformes(morceau[2:], sous_partie)
        for morceau, sous_partie in zip(milieu, sous_parties, strict=True)
    )


def _resoudre(
    *,
    collectivite: Collectivite | None,
    expediteur: Utilisateur | None,
    compte: CompteSMTP | None,
    connexion: ConnexionSMTP | None,
) -> CompteResolu:
    if (
        compte is not None
        and collectivite is not None
        and compte.collectivite_id != collectivite.pk
    ):
        raise ValueError("Ce compte d'envoi appartient à une autre collectivité.")
    if connexion is not None:
        if compte is not None and connexion.compte.compte != compte:
            raise ValueError("La connexion fournie n'utilise pas ce compte d'envoi.")
        return connexion.compte
    try:
        if compte is not None:
            return CompteResolu.depuis_compte(compte)
        resolu = compte_pour_envoi(collectivite=collectivite, utilisateur=expediteur)
    except MotDePasseIndechiffrable as erreur:
        raise EchecDefinitif(str(erreur)) from erreur
    if resolu is None:
        raise AucunCompte()
    return resolu


def compte_resolu(
    *,
    collectivite: Collectivite | None,
    expediteur: Utilisateur | None,
    compte: CompteSMTP | None = None,
) -> CompteResolu:
    """Le compte qu'`envoyer` prendrait pour ces arguments (sans connexion fournie).

    Lève `AucunCompte`, `EchecDefinitif` (mot de passe indéchiffrable) ou `ValueError`.
    `core.mail.lots` s'en sert pour ouvrir une connexion par compte.
    """
    return _resoudre(
        collectivite=collectivite, expediteur=expediteur, compte=compte, connexion=None
    )


# --- Envoi ----------------------------------------------------------------------------------


def envoyer(
    *,
    collectivite: Collectivite | None,
    expediteur: Utilisateur | None,
    destinataires: list[str],
    sujet: str,
    texte: str,
    html: str | None = None,
    pieces_jointes: Sequence[tuple[str, bytes, str]] = (),
    reply_to: Sequence[str] = (),
    entetes: dict[str, str] | None = None,
    compte: CompteSMTP | None = None,
    connexion: ConnexionSMTP | None = None,
    ecrire_trace: Callable[[MessageEnvoye], None] | None = None,
) -> MessageEnvoye:
    """Envoie un courriel et rend sa trace `MessageEnvoye` (statut « envoyé », code 250).

    Compte : `connexion.compte`, sinon `compte`, sinon `compte_pour_envoi` ; aucun →
    `AucunCompte`. Lève `ValueError` (message français) pour une entrée invalide (retour à la
    ligne dans un en-tête, adresse invalide), `EchecDefinitif` / `EchecTemporaire` si le
    serveur refuse ou ne répond pas ; la trace enregistre alors le code et la réponse.

    La trace est écrite « en cours » avant la transaction SMTP : appelez `envoyer` hors d'un
    bloc `atomic` (tâche Celery, vue `non_atomic_requests`) pour qu'elle soit validée d'abord.
    Sans collectivité (courriel de la plateforme), la trace n'est pas enregistrée en base.

    `ecrire_trace` (envoi en nombre, `core.mail.lots`) : appelée à la place de `trace.save()`,
    juste avant la transaction SMTP, elle insère la trace (si elle a une collectivité) dans la
    même requête que la mise en vol de la ligne et l'écriture du message précédent ; elle peut
    lever pour que rien ne parte. La trace « envoyé » rendue n'est alors pas écrite ici :
    l'appelant l'écrit avec la mise en vol du message suivant (une requête par message).
    """
    destinataires = [_adresse(a, "L'adresse du destinataire") for a in destinataires]
    if not destinataires:
        raise ValueError("Indiquez au moins un destinataire.")
    sujet = verifier_entete(sujet, "L'objet")
    reponses = [_adresse(a, "L'adresse de réponse") for a in reply_to]
    entetes_propres = _verifier_entetes(entetes)
    for nom, _contenu, _type in pieces_jointes:
        verifier_entete(nom, "Le nom d'une pièce jointe")
    resolu = _resoudre(
        collectivite=collectivite, expediteur=expediteur, compte=compte, connexion=connexion
    )
    message = _construire(
        compte=resolu,
        destinataires=destinataires,
        sujet=sujet,
        texte=texte,
        html=html,
        pieces_jointes=pieces_jointes,
        reply_to=reponses,
        entetes=entetes_propres,
    )
    trace = MessageEnvoye(
        collectivite=collectivite,
        compte=resolu.compte,
        compte_libelle=resolu.libelle[:300],
        expediteur=str(message["From"])[:300],
        destinataires=", ".join(destinataires),
        sujet=sujet[:300],
        message_id=str(message["Message-ID"])[:300],
        statut=StatutMessage.EN_COURS,
        demandeur=expediteur if getattr(expediteur, "pk", None) else None,
    )
    if ecrire_trace is not None:
        ecrire_trace(trace)
    elif collectivite is not None:
        trace.save()
    nouvelle: ConnexionSMTP | None = None
    try:
        # L'enveloppe est vérifiée aussi en démonstration : la boîte refuse ce que le
        # serveur refuserait.
        enveloppe = [adresse_enveloppe(a) for a in destinataires]
        expediteur_enveloppe = adresse_enveloppe(resolu.expediteur)
        contenu = _serialiser(message)
        boite_demo = bool(getattr(settings, "ECHARPE_BOITE_DEMO", None))
        if boite_demo and not (connexion is not None and connexion.meme_en_demo):
            ecrire_boite_demo(contenu)
            code, reponse = 250, REPONSE_BOITE_DEMO
        else:
            if connexion is None:
                connexion = nouvelle = connexion_smtp(resolu)
            code, texte_reponse = connexion.transmettre(
                expediteur=expediteur_enveloppe, destinataires=enveloppe, contenu=contenu
            )
            reponse = f"{code} {texte_reponse}".strip()
    except ErreurEnvoi as erreur:
        _enregistrer_echec(trace, erreur)
        raise
    except Exception as erreur:
        # Imprévu, mais avant la réponse finale du serveur (une erreur après la transmission
        # complète devient un `EchecTemporaire` incertain dans `transmettre`) : le message
        # n'est pas parti. La trace ne reste pas « en cours », qui voudrait dire incertain.
        _enregistrer_echec(trace, EchecDefinitif(MESSAGE_ERREUR_INATTENDUE))
        # Le type seulement : le texte de l'exception pourrait citer une adresse.
        logger.error(
            "Message %s %s : erreur inattendue (%s)",
            trace.pk,
            trace.message_id,
            type(erreur).__name__,
        )
        raise
    finally:
        if nouvelle is not None:
            _fermer_sans_erreur(nouvelle)
    trace.statut = StatutMessage.ENVOYE
    trace.code_smtp = code
    trace.reponse_smtp = reponse
    trace.envoye_le = timezone.now()
    if trace.pk and ecrire_trace is None:
        trace.save(update_fields=["statut", "code_smtp", "reponse_smtp", "envoye_le", "modifie_le"])
    logger.info("Message %s %s envoyé (%s)", trace.pk, trace.message_id, code)
    return trace


def _fermer_sans_erreur(connexion: ConnexionSMTP) -> None:
    # Après la réponse finale, une erreur de fermeture ne change rien au sort du message.
    try:
        connexion.fermer()
    except Exception as erreur:
        logger.warning("Fermeture de la connexion SMTP impossible (%s)", type(erreur).__name__)


def _enregistrer_echec(trace: MessageEnvoye, erreur: ErreurEnvoi) -> None:
    erreur.message_envoye = trace
    trace.code_smtp = erreur.code
    # Pour l'agent : avec l'adresse refusée (la trace en garde déjà la liste).
    trace.reponse_smtp = erreur.texte
    champs = ["code_smtp", "reponse_smtp", "modifie_le"]
    if not erreur.incertain:
        # Incertain : le message est peut-être parti ; la trace reste « en cours ».
        trace.statut = (
            StatutMessage.ECHEC_TEMPORAIRE
            if isinstance(erreur, EchecTemporaire)
            else StatutMessage.ECHEC
        )
        champs.append("statut")
    if trace.pk:
        trace.save(update_fields=champs)
    logger.warning(
        "Message %s %s non envoyé : %s (code %s, incertain=%s)",
        trace.pk,
        trace.message_id,
        type(erreur).__name__,
        erreur.code,
        erreur.incertain,
    )


def rendre_gabarit(*, gabarit: str, contexte: dict[str, Any]) -> tuple[str, str, str | None]:
    """Objet, texte et HTML (facultatif) de `emails/<gabarit>.subject.txt|.txt|.html`."""
    if not _NOM_GABARIT.fullmatch(gabarit):
        raise ValueError(f"Nom de gabarit de courriel invalide : « {gabarit} ».")
    # L'objet tient sur une ligne : les retours à la ligne du gabarit ou du contexte tombent,
    # comme les caractères de contrôle cachés dans un mot encodé (nom de collectivité…).
    sujet = neutraliser_entete(render_to_string(f"emails/{gabarit}.subject.txt", contexte))
    texte = render_to_string(f"emails/{gabarit}.txt", contexte)
    try:
        gabarit_html = get_template(f"emails/{gabarit}.html")
    except TemplateDoesNotExist:
        return sujet, texte, None
    return sujet, texte, gabarit_html.render(contexte)


def envoyer_gabarit(*, gabarit: str, contexte: dict[str, Any], **kwargs: Any) -> MessageEnvoye:
    """Rend le triplet `emails/<gabarit>.*` puis appelle `envoyer(**kwargs)`."""
    sujet, texte, html = rendre_gabarit(gabarit=gabarit, contexte=contexte)
    return envoyer(sujet=sujet, texte=texte, html=html, **kwargs)


__all__ = [
    "MESSAGE_CONSTRUCTION",
    "MESSAGE_ENTETES_ALTERES",
    "MESSAGE_ERREUR_INATTENDUE",
    "MESSAGE_NON_ASCII",
    "REPONSE_BOITE_DEMO",
    "AucunCompte",
    "EchecDefinitif",
    "EchecTemporaire",
    "ErreurEnvoi",
    "compte_resolu",
    "envoyer",
    "envoyer_gabarit",
    "rendre_gabarit",
]
