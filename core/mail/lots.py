"""Envoi en nombre : un seul chemin pour les courriels envoyés par milliers.

Notifications, convocations, liens d'activation : chaque destinataire a sa ligne de statut
(un modèle qui hérite de `LigneEnvoi`), et une tâche Celery envoie un morceau de ces lignes
par `lot_envoyer`. Un domaine écrit quelques lignes (voir `docs/envoi-en-nombre.md`) :

    class Destinataire(LigneEnvoi, ModeleCollectivite): ...      # + ses propres champs

    def preparer(ligne: Destinataire) -> MessagePrepare:
        return MessagePrepare.depuis_gabarit(gabarit="convocation", contexte={...},
                                             collectivite=..., expediteur=..., destinataires=[...])

    @shared_task(acks_late=True)
    def convocations_envoyer_task(ids: list[int]) -> None:
        lot_envoyer(modele=Destinataire, ids=ids, preparer=preparer,
                    tache=convocations_envoyer_task)

    @shared_task
    def convocations_balayer_task() -> None:                      # beat, chaque minute
        lot_balayer(modele=Destinataire, tache=convocations_envoyer_task)

et met les lignes en file avec `lot_mettre_en_file(ids=..., tache=...)` (après le commit).

Ce que garantit `lot_envoyer` (décisions « Never twice knowingly ») :

- une connexion SMTP par compte d'envoi et par lot (`ConnexionSMTP`), ouverte au premier
  message de ce compte et fermée à la fin ;
- une ligne n'est prise que si elle est « en attente » et due : la prise du morceau est un
  UPDATE conditionnel (sous verrou) qui la passe « en cours » sans `en_cours_depuis`
  (réservée) ; une tâche livrée deux fois, ou deux workers, ne l'envoient donc jamais deux
  fois. Elle n'est mise en vol (`en_cours_depuis`, UPDATE conditionnel lui aussi) que juste
  avant sa transaction SMTP : un worker tué ne laisse « incertain » que le message en vol, et
  le balayage rend à la file les réservations abandonnées ;
- « envoyé » après la réponse 250, avec le code, la réponse et la trace `MessageEnvoye` :
  ce sort est écrit dans la même requête que la mise en vol de la ligne suivante (et
  l'insertion de sa trace), ou à la fin du lot ; une requête par message. Un worker tué entre
  la réponse 250 et cette écriture laisse la ligne en vol : « incertaine », jamais renvoyée ;
- échec temporaire (4xx, délai dépassé, serveur injoignable) : la ligne repasse « en attente »
  avec un `prochain_essai` retardé (`ECHARPE_ENVOI_DELAIS`) et la tâche est remise en file
  pour cette ligne (`countdown`) ; au-delà de `ECHARPE_ENVOI_ESSAIS_MAX` tentatives, « échec »
  avec la réponse du serveur. Quand c'est le serveur du compte qui ne répond pas, les lignes
  suivantes de ce compte sont reportées sans être essayées (sans tentative comptée) ;
- échec définitif (5xx, authentification, TLS, aucun compte, adresse invalide) : « échec »
  avec le code et la réponse du serveur (texte en français) ;
- message entier transmis sans réponse finale : « incertain », jamais renvoyé
  automatiquement ; `lot_balayer` déclare aussi « incertaine » une ligne restée « en cours »
  au-delà de `ECHARPE_ENVOI_EN_COURS_DELAI` (worker tué pendant un envoi) ;
- refus de tourner dans une transaction (`EnvoiDansTransaction`) : la ligne « en cours » doit
  être validée avant de parler au serveur, et `ATOMIC_REQUESTS` est actif.

La base est la file de référence : `lot_balayer` remet en file les lignes « en attente »
dont l'heure est passée depuis `ECHARPE_ENVOI_REMISE_EN_FILE` secondes ; rien ne dépend de la
redistribution des messages par Redis.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from celery import Task
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from kombu.exceptions import OperationalError

from core.comptes.models import Utilisateur
from core.mail.comptes import CompteResolu
from core.mail.connexion import ConnexionSMTP
from core.mail.erreurs import MESSAGE_ERREUR_INATTENDUE, EchecTemporaire, ErreurEnvoi
from core.mail.models import CompteSMTP, LigneEnvoi, MessageEnvoye, StatutEnvoi, StatutMessage
from core.mail.services import compte_resolu, envoyer, rendre_gabarit
from core.tenancy.models import Collectivite

logger = logging.getLogger(__name__)

MESSAGE_INTERROMPU = (
    "L'envoi a été interrompu pendant l'échange avec le serveur : le message est peut-être "
    "parti. Il n'est pas renvoyé automatiquement."
)
MESSAGE_SANS_REPONSE = (
    "Le message a été transmis mais le serveur n'a pas donné de réponse finale : il est "
    "peut-être parti. Il n'est pas renvoyé automatiquement."
)


class EnvoiDansTransaction(RuntimeError):
    """`lot_envoyer` appelé dans un bloc `atomic` : la ligne « en cours » ne serait pas
    validée avant l'envoi, et un retour en arrière effacerait la trace d'un message parti."""

    def __init__(self) -> None:
        super().__init__(
            "lot_envoyer ne doit pas tourner dans une transaction : appelez-le depuis une "
            "tâche Celery (hors atomic), jamais depuis une vue ou un bloc transaction.atomic."
        )


def _dans_une_transaction() -> bool:
    """Un bloc `atomic` du code est ouvert. Les blocs qu'ouvre un cas de test de Django
    (`_from_testcase`) ne comptent pas : c'est la règle de Django pour `atomic(durable=True)`,
    qui permet de tester une tâche exécutée « après le commit » sans base transactionnelle."""
    connexion = transaction.get_connection()
    return any(not getattr(bloc, "_from_testcase", False) for bloc in connexion.atomic_blocks)


class EnvoiSansObjet(Exception):
    """Levée par la fonction de préparation : plus rien à envoyer à cette ligne (personne
    désactivée, compte déjà activé…). La ligne passe « échec » avec ce texte, en français."""

    def __init__(self, texte: str) -> None:
        super().__init__(texte)
        self.texte = texte


@dataclass(frozen=True)
class MessagePrepare:
    """Ce que `envoyer` recevra pour une ligne ; le compte suit l'ordre de `envoyer`."""

    collectivite: Collectivite | None
    expediteur: Utilisateur | None
    destinataires: list[str]
    sujet: str
    texte: str
    html: str | None = None
    pieces_jointes: Sequence[tuple[str, bytes, str]] = ()
    reply_to: Sequence[str] = ()
    entetes: dict[str, str] | None = None
    compte: CompteSMTP | None = None

    @classmethod
    def depuis_gabarit(
        cls, *, gabarit: str, contexte: dict[str, Any], **kwargs: Any
    ) -> MessagePrepare:
        """Objet, texte et HTML rendus depuis `emails/<gabarit>.*` (`rendre_gabarit`)."""
        sujet, texte, html = rendre_gabarit(gabarit=gabarit, contexte=contexte)
        return cls(sujet=sujet, texte=texte, html=html, **kwargs)


L = TypeVar("L", bound=LigneEnvoi)


@dataclass
class BilanLot:
    """Identifiants des lignes selon leur sort dans ce lot, et connexions ouvertes."""

    envoyes: list[int] = field(default_factory=list)
    echecs: list[int] = field(default_factory=list)
    incertains: list[int] = field(default_factory=list)
    reportes: list[int] = field(default_factory=list)
    ignores: list[int] = field(default_factory=list)
    connexions: int = 0


@dataclass(frozen=True)
class BilanBalayage:
    remis_en_file: int
    incertains: int


def essais_max() -> int:
    """Tentatives au plus par ligne, la première comprise (`ECHARPE_ENVOI_ESSAIS_MAX`)."""
    return int(getattr(settings, "ECHARPE_ENVOI_ESSAIS_MAX", 5))


def delai_essai(tentatives: int) -> int:
    """Secondes avant l'essai suivant, après `tentatives` essais (1 pour le premier) :
    `ECHARPE_ENVOI_DELAIS[tentatives - 1]`, le dernier délai se répétant."""
    delais = list(getattr(settings, "ECHARPE_ENVOI_DELAIS", [60, 300, 900, 3600]))
    return int(delais[max(0, min(tentatives - 1, len(delais) - 1))])


def taille_lot() -> int:
    return int(getattr(settings, "ECHARPE_ENVOI_TAILLE_LOT", 100))


def _cle(compte: CompteResolu) -> tuple[str, int]:
    # Les réglages de la plateforme n'ont pas de ligne CompteSMTP : une seule clé pour eux.
    return ("compte", compte.compte.pk) if compte.compte is not None else ("reglages", 0)


def lot_mettre_en_file(
    *, ids: Iterable[int], tache: Task[Any, Any], countdown: int | None = None
) -> None:
    """Met les lignes en file par morceaux de `ECHARPE_ENVOI_TAILLE_LOT` ; après le commit si
    l'appel a lieu dans une transaction. Broker indisponible : rien n'est perdu, `lot_balayer`
    les remettra en file (la base est la file de référence)."""
    ids = sorted({int(pk) for pk in ids})
    taille = taille_lot()
    morceaux = [ids[debut : debut + taille] for debut in range(0, len(ids), taille)]

    def mettre_en_file() -> None:
        for morceau in morceaux:
            try:
                if countdown is None:
                    tache.apply_async(args=(morceau,))
                else:
                    tache.apply_async(args=(morceau,), countdown=countdown)
            except (OperationalError, OSError):
                logger.exception(
                    "Envoi en nombre : %s ligne(s) non mises en file (balayage à venir).",
                    len(morceau),
                )

    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(mettre_en_file)
    else:
        mettre_en_file()


def _reserver(modele: type[L], ids: list[int]) -> list[L]:
    """Prise du morceau : les lignes « en attente » et dues passent « en cours » sans
    `en_cours_depuis` (réservées : à ce lot, pas encore en vol), en trois requêtes pour tout
    le morceau. De deux exécutions, une seule réserve une ligne (verrou, puis UPDATE
    conditionnel) ; `prochain_essai` devient l'heure de la réservation, que le balayage lit
    pour rendre à la file une réservation abandonnée (worker tué)."""
    maintenant = timezone.now()
    gestionnaire = modele._default_manager
    with transaction.atomic():
        libres = list(
            gestionnaire.select_for_update(skip_locked=True)
            .filter(pk__in=ids, statut=StatutEnvoi.EN_ATTENTE, prochain_essai__lte=maintenant)
            .values_list("pk", flat=True)
        )
        gestionnaire.filter(
            pk__in=libres, statut=StatutEnvoi.EN_ATTENTE, prochain_essai__lte=maintenant
        ).update(
            statut=StatutEnvoi.EN_COURS,
            en_cours_depuis=None,
            prochain_essai=maintenant,
            tentatives=F("tentatives") + 1,
        )
    return list(gestionnaire.filter(pk__in=libres, statut=StatutEnvoi.EN_COURS).order_by("pk"))


class LigneReprise(Exception):
    """La ligne n'est plus réservée à ce lot (le balayage l'a rendue à la file) : ce lot ne
    l'envoie pas."""


def _mettre_en_vol(
    ligne: LigneEnvoi, trace: MessageEnvoye, partie: tuple[LigneEnvoi, MessageEnvoye] | None
) -> bool:
    """Juste avant la transaction SMTP, en une requête validée aussitôt (hors transaction) :
    le sort de la ligne précédente partie (`partie`, réponse 250 reçue) et de sa trace, la
    trace de ce message (« en cours ») et la mise en vol de la ligne réservée (`en_cours_depuis`,
    UPDATE conditionnel). Faux si le balayage l'a rendue à la file entre-temps : elle n'est alors
    pas envoyée par ce lot, et sa trace est effacée."""
    maintenant = timezone.now()
    enregistrer = trace.collectivite_id is not None
    if connection.vendor == "postgresql":
        trace_id, pris = _ecrire_postgresql(
            ligne=ligne, trace=trace if enregistrer else None, partie=partie, maintenant=maintenant
        )
        if trace_id is not None:
            trace.pk = trace_id
            trace._state.adding = False
            trace._state.db = connection.alias
    else:
        # La démonstration (SQLite) : les mêmes écritures, une requête chacune.
        if partie is not None:
            _ecrire_partie(partie)
        if enregistrer:
            trace.save()
        pris = (
            type(ligne)
            ._default_manager.filter(
                pk=ligne.pk, statut=StatutEnvoi.EN_COURS, en_cours_depuis__isnull=True
            )
            .update(en_cours_depuis=maintenant, message=trace if trace.pk else None)
        )
    if not pris:
        if trace.pk:
            MessageEnvoye.objects.filter(pk=trace.pk).delete()
            trace.pk = None
        return False
    ligne.en_cours_depuis = maintenant
    return True


def _sort_partie(trace: MessageEnvoye) -> dict[str, Any]:
    return {
        "statut": StatutEnvoi.ENVOYE,
        "code_smtp": trace.code_smtp,
        "reponse_smtp": trace.reponse_smtp,
        "envoye_le": trace.envoye_le or timezone.now(),
        "message": trace if trace.pk else None,
    }


def _ecrire_partie(partie: tuple[LigneEnvoi, MessageEnvoye]) -> None:
    """Le sort d'une ligne partie et de sa trace, seul (fin de lot, démonstration)."""
    ligne, trace = partie
    if connection.vendor == "postgresql":
        _ecrire_postgresql(ligne=None, trace=None, partie=partie, maintenant=timezone.now())
        return
    _marquer(ligne, **_sort_partie(trace))
    if trace.pk:
        trace.save(update_fields=["statut", "code_smtp", "reponse_smtp", "envoye_le", "modifie_le"])


def _colonne(modele: type[Any], nom: str) -> str:
    return connection.ops.quote_name(modele._meta.get_field(nom).column)


def _ecrire_postgresql(
    *,
    ligne: LigneEnvoi | None,
    trace: MessageEnvoye | None,
    partie: tuple[LigneEnvoi, MessageEnvoye] | None,
    maintenant: datetime,
) -> tuple[int | None, int]:
    """Une seule instruction (expressions de table modifiantes) : sort de `partie` et de sa
    trace, insertion de `trace`, mise en vol de `ligne`. Rend (id de la trace insérée, lignes
    mises en vol)."""
    qn = connection.ops.quote_name
    blocs: list[str] = []
    parametres: list[Any] = []
    if partie is not None:
        precedente, trace_partie = partie
        sort = _sort_partie(trace_partie)
        modele = type(precedente)
        blocs.append(
            f"fin_ligne AS (UPDATE {qn(modele._meta.db_table)} SET "  # noqa: S608
            f"{_colonne(modele, 'statut')} = %s, {_colonne(modele, 'code_smtp')} = %s, "
            f"{_colonne(modele, 'reponse_smtp')} = %s, {_colonne(modele, 'envoye_le')} = %s, "
            f"{_colonne(modele, 'message')} = %s WHERE {qn(modele._meta.pk.column)} = %s)"
        )
        parametres += [
            StatutEnvoi.ENVOYE.value,
            sort["code_smtp"],
            sort["reponse_smtp"],
            sort["envoye_le"],
            trace_partie.pk,
            precedente.pk,
        ]
        precedente.statut = StatutEnvoi.ENVOYE
        if trace_partie.pk:
            trace_partie.modifie_le = maintenant
            blocs.append(
                f"fin_trace AS (UPDATE {qn(MessageEnvoye._meta.db_table)} SET "  # noqa: S608
                f"{_colonne(MessageEnvoye, 'statut')} = %s, "
                f"{_colonne(MessageEnvoye, 'code_smtp')} = %s, "
                f"{_colonne(MessageEnvoye, 'reponse_smtp')} = %s, "
                f"{_colonne(MessageEnvoye, 'envoye_le')} = %s, "
                f"{_colonne(MessageEnvoye, 'modifie_le')} = %s "
                f"WHERE {qn(MessageEnvoye._meta.pk.column)} = %s)"
            )
            parametres += [
                StatutMessage.ENVOYE.value,
                trace_partie.code_smtp,
                trace_partie.reponse_smtp,
                trace_partie.envoye_le,
                maintenant,
                trace_partie.pk,
            ]
    selection = "SELECT NULL::bigint, 0"
    if ligne is not None:
        modele = type(ligne)
        table = qn(modele._meta.db_table)
        message_id = "NULL"
        if trace is not None:
            champs = [f for f in MessageEnvoye._meta.concrete_fields if not f.primary_key]
            valeurs = [f.get_db_prep_save(f.pre_save(trace, True), connection) for f in champs]
            blocs.append(
                f"nouvelle AS (INSERT INTO {qn(MessageEnvoye._meta.db_table)} "  # noqa: S608
                f"({', '.join(qn(f.column) for f in champs)}) "
                f"VALUES ({', '.join(['%s'] * len(champs))}) "
                f"RETURNING {qn(MessageEnvoye._meta.pk.column)})"
            )
            parametres += valeurs
            message_id = "(SELECT * FROM nouvelle)"
        blocs.append(
            f"en_vol AS (UPDATE {table} SET {_colonne(modele, 'en_cours_depuis')} = %s, "  # noqa: S608
            f"{_colonne(modele, 'message')} = {message_id} "
            f"WHERE {qn(modele._meta.pk.column)} = %s AND {_colonne(modele, 'statut')} = %s "
            f"AND {_colonne(modele, 'en_cours_depuis')} IS NULL RETURNING 1)"
        )
        parametres += [maintenant, ligne.pk, StatutEnvoi.EN_COURS.value]
        selection = (
            f"SELECT {message_id if trace is not None else 'NULL::bigint'}, "  # noqa: S608
            "(SELECT count(*) FROM en_vol)"
        )
    with connection.cursor() as curseur:
        curseur.execute(f"WITH {', '.join(blocs)} {selection}", parametres)  # noqa: S608
        trace_id, pris = curseur.fetchone()
    return trace_id, int(pris)


def _rendre_reservees(modele: type[LigneEnvoi], ids: list[int]) -> int:
    """Lignes réservées que le lot n'a pas mises en vol (erreur imprévue) : de nouveau « en
    attente », sans tentative comptée ; le balayage les remettra en file."""
    if not ids:
        return 0
    return modele._default_manager.filter(
        pk__in=ids, statut=StatutEnvoi.EN_COURS, en_cours_depuis__isnull=True
    ).update(statut=StatutEnvoi.EN_ATTENTE, tentatives=F("tentatives") - 1, en_cours_depuis=None)


def _marquer(ligne: LigneEnvoi, **champs: Any) -> None:
    for nom, valeur in champs.items():
        setattr(ligne, nom, valeur)
    type(ligne)._default_manager.filter(pk=ligne.pk).update(**champs)


def _echec(ligne: LigneEnvoi, texte: str, code: int | None = None) -> None:
    _marquer(ligne, statut=StatutEnvoi.ECHEC, code_smtp=code, reponse_smtp=texte)


@dataclass
class _Lot:
    preparer: Callable[[Any], MessagePrepare]
    bilan: BilanLot = field(default_factory=BilanLot)
    connexions: dict[tuple[str, int], ConnexionSMTP] = field(default_factory=dict)
    # Compte dont le serveur n'a pas répondu : heure du prochain essai de ses lignes.
    en_panne: dict[tuple[str, int], datetime] = field(default_factory=dict)
    # Délai (secondes) → lignes à remettre en file avec ce délai.
    a_remettre: dict[int, list[int]] = field(default_factory=dict)
    # Comptes déjà résolus dans ce lot : pas une lecture des comptes par message.
    comptes: dict[tuple[Any, ...], CompteResolu] = field(default_factory=dict)
    # Dernière ligne partie (réponse 250) et sa trace : leur sort s'écrit avec la mise en vol
    # de la ligne suivante, ou à la fin du lot (`ecrire_partie`).
    partie: tuple[LigneEnvoi, MessageEnvoye] | None = None

    def mettre_en_vol(self, ligne: LigneEnvoi, trace: MessageEnvoye) -> None:
        """Pour `envoyer(ecrire_trace=…)` : lève `LigneReprise` si la ligne n'est plus à ce lot."""
        partie, self.partie = self.partie, None
        try:
            pris = _mettre_en_vol(ligne, trace, partie)
        except Exception:
            # Une seule instruction, annulée en entier : la fin du lot réécrira `partie`.
            self.partie = partie
            raise
        if not pris:
            raise LigneReprise()

    def ecrire_partie(self) -> None:
        partie, self.partie = self.partie, None
        if partie is not None:
            _ecrire_partie(partie)

    def compte(self, prepare: MessagePrepare) -> CompteResolu:
        cle = (
            getattr(prepare.collectivite, "pk", None),
            getattr(prepare.expediteur, "pk", None),
            getattr(prepare.compte, "pk", None),
        )
        resolu = self.comptes.get(cle)
        if resolu is None:
            resolu = self.comptes[cle] = compte_resolu(
                collectivite=prepare.collectivite,
                expediteur=prepare.expediteur,
                compte=prepare.compte,
            )
        return resolu

    def remettre(self, ligne: LigneEnvoi, quand: datetime) -> None:
        delai = max(0, int((quand - timezone.now()).total_seconds()) + 1)
        self.a_remettre.setdefault(delai, []).append(int(ligne.pk))
        self.bilan.reportes.append(int(ligne.pk))

    def fermer(self) -> None:
        for connexion in self.connexions.values():
            self.bilan.connexions += connexion.ouvertures
            try:
                connexion.fermer()
            except Exception as erreur:
                # Après les réponses finales : une fermeture ratée ne change aucun sort.
                logger.warning("Fermeture d'une connexion du lot (%s)", type(erreur).__name__)


def lot_envoyer(
    *,
    modele: type[L],
    ids: Iterable[int],
    preparer: Callable[[L], MessagePrepare],
    tache: Task[Any, Any],
    preparer_lot: Callable[[list[L]], None] | None = None,
) -> BilanLot:
    """Envoie les lignes `ids` de `modele` qui sont « en attente » et dues (voir le module).

    `preparer(ligne)` rend le `MessagePrepare` de la ligne, ou lève `EnvoiSansObjet` ; elle
    est appelée après la prise de la ligne (jamais pour une ligne déjà envoyée). `tache`
    reçoit les lignes à réessayer (`apply_async(args=[ids], countdown=…)`).

    Le morceau est pris d'un coup (lignes réservées, « en cours » sans `en_cours_depuis`) ;
    chaque ligne n'est mise en vol (`en_cours_depuis`) que juste avant sa transaction SMTP :
    un worker tué ne laisse « incertain » que le message en vol, les réservations abandonnées
    retournent à la file par `lot_balayer`. `preparer_lot(lignes)`, facultative, reçoit les
    lignes réservées avant le premier envoi : ce qui se fait en une fois pour le morceau (les
    liens personnels, `core.liens.services.liens_creer_en_lot`).
    """
    if _dans_une_transaction():
        raise EnvoiDansTransaction()
    lot = _Lot(preparer=preparer)
    demandes = sorted({int(pk) for pk in ids})
    lignes = _reserver(modele, demandes)
    reservees = {int(ligne.pk) for ligne in lignes}
    lot.bilan.ignores.extend(pk for pk in demandes if pk not in reservees)
    if preparer_lot is not None and lignes:
        try:
            preparer_lot(lignes)
        except Exception as erreur:
            # La préparation ligne à ligne prend le relais (un lien par message).
            logger.error("Préparation du lot impossible (%s)", type(erreur).__name__)
    restantes = [int(ligne.pk) for ligne in lignes]
    try:
        for ligne in lignes:
            _envoyer_ligne(lot, ligne)
            restantes.pop(0)
    finally:
        try:
            # Le sort du dernier message d'abord : QUIT peut attendre le serveur.
            lot.ecrire_partie()
        finally:
            lot.fermer()
            _rendre_reservees(modele, restantes)
    for delai, a_remettre in sorted(lot.a_remettre.items()):
        lot_mettre_en_file(ids=a_remettre, tache=tache, countdown=delai)
    bilan = lot.bilan
    logger.info(
        "Envoi en nombre %s : %s envoyé(s), %s échec(s), %s incertain(s), %s reporté(s), "
        "%s ignoré(s), %s connexion(s).",
        modele._meta.label,
        len(bilan.envoyes),
        len(bilan.echecs),
        len(bilan.incertains),
        len(bilan.reportes),
        len(bilan.ignores),
        bilan.connexions,
    )
    return bilan


def _envoyer_ligne(lot: _Lot, ligne: LigneEnvoi) -> None:
    pk = int(ligne.pk)
    try:
        prepare = lot.preparer(ligne)
        compte = lot.compte(prepare)
    except EnvoiSansObjet as erreur:
        _echec(ligne, erreur.texte)
        lot.bilan.echecs.append(pk)
        return
    except ErreurEnvoi as erreur:
        # Aucun compte, mot de passe indéchiffrable : définitif tant que personne n'agit.
        _echec(ligne, erreur.texte, erreur.code)
        lot.bilan.echecs.append(pk)
        return
    except Exception as erreur:
        # Les ValueError du socle sont en français ; toute autre erreur reste dans les logs.
        texte = str(erreur) if type(erreur) is ValueError else MESSAGE_ERREUR_INATTENDUE
        logger.error("Ligne %s non préparée : %s", pk, type(erreur).__name__)
        _echec(ligne, texte)
        lot.bilan.echecs.append(pk)
        return
    cle = _cle(compte)
    panne = lot.en_panne.get(cle)
    if panne is not None:
        # Son serveur vient de ne pas répondre : pas la peine d'attendre encore son délai.
        _marquer(
            ligne,
            statut=StatutEnvoi.EN_ATTENTE,
            tentatives=ligne.tentatives - 1,
            prochain_essai=panne,
            en_cours_depuis=None,
        )
        lot.remettre(ligne, panne)
        return
    connexion = lot.connexions.get(cle)
    if connexion is None:
        connexion = lot.connexions[cle] = ConnexionSMTP(compte)
    try:
        trace = envoyer(
            collectivite=prepare.collectivite,
            expediteur=prepare.expediteur,
            destinataires=list(prepare.destinataires),
            sujet=prepare.sujet,
            texte=prepare.texte,
            html=prepare.html,
            pieces_jointes=prepare.pieces_jointes,
            reply_to=prepare.reply_to,
            entetes=prepare.entetes,
            compte=prepare.compte,
            connexion=connexion,
            # La mise en vol (et le sort du message précédent) : validée avant DATA.
            ecrire_trace=lambda trace: lot.mettre_en_vol(ligne, trace),
        )
    except LigneReprise:
        lot.bilan.ignores.append(pk)
    except EchecTemporaire as erreur:
        _echec_temporaire(lot, ligne, erreur, cle=cle, connexion=connexion)
    except ErreurEnvoi as erreur:
        _marquer(
            ligne,
            statut=StatutEnvoi.ECHEC,
            code_smtp=erreur.code,
            reponse_smtp=erreur.texte,
            message=erreur.message_envoye if _enregistre(erreur.message_envoye) else None,
        )
        lot.bilan.echecs.append(pk)
    except ValueError as erreur:
        texte = str(erreur) if type(erreur) is ValueError else MESSAGE_ERREUR_INATTENDUE
        _echec(ligne, texte)
        lot.bilan.echecs.append(pk)
    except Exception as erreur:
        # `envoyer` a déjà tracé l'erreur : avant la réponse finale, le message n'est pas parti.
        logger.error("Ligne %s : erreur inattendue (%s)", pk, type(erreur).__name__)
        _echec(ligne, MESSAGE_ERREUR_INATTENDUE)
        lot.bilan.echecs.append(pk)
    else:
        # Écrit avec la mise en vol de la ligne suivante (ou à la fin du lot).
        lot.partie = (ligne, trace)
        lot.bilan.envoyes.append(pk)


def _enregistre(trace: Any) -> bool:
    return trace is not None and getattr(trace, "pk", None) is not None


def _echec_temporaire(
    lot: _Lot,
    ligne: LigneEnvoi,
    erreur: EchecTemporaire,
    *,
    cle: tuple[str, int],
    connexion: ConnexionSMTP,
) -> None:
    pk = int(ligne.pk)
    trace = erreur.message_envoye if _enregistre(erreur.message_envoye) else None
    if erreur.incertain:
        _marquer(
            ligne,
            statut=StatutEnvoi.INCERTAIN,
            code_smtp=erreur.code,
            reponse_smtp=f"{MESSAGE_SANS_REPONSE} {erreur.texte}",
            message=trace,
        )
        lot.bilan.incertains.append(pk)
        return
    if ligne.tentatives >= essais_max():
        _marquer(
            ligne,
            statut=StatutEnvoi.ECHEC,
            code_smtp=erreur.code,
            reponse_smtp=erreur.texte,
            message=trace,
        )
        lot.bilan.echecs.append(pk)
        return
    quand = timezone.now() + timedelta(seconds=delai_essai(ligne.tentatives))
    _marquer(
        ligne,
        statut=StatutEnvoi.EN_ATTENTE,
        code_smtp=erreur.code,
        reponse_smtp=erreur.texte,
        prochain_essai=quand,
        en_cours_depuis=None,
        message=trace,
    )
    lot.remettre(ligne, quand)
    if erreur.destinataire is None and not connexion.ouverte:
        # Le serveur lui-même (connexion, délai, 421) : ses autres lignes attendront aussi.
        lot.en_panne[cle] = quand


def lot_balayer(*, modele: type[LigneEnvoi], tache: Task[Any, Any]) -> BilanBalayage:
    """Tâche de fond (beat) d'un domaine : les lignes restées « en cours » au-delà de
    `ECHARPE_ENVOI_EN_COURS_DELAI` deviennent « incertaines » (jamais renvoyées) ; celles
    « en attente » dont l'heure est passée depuis `ECHARPE_ENVOI_REMISE_EN_FILE` secondes sont
    remises en file (leur heure devient maintenant : le balayage suivant ne les double pas)."""
    maintenant = timezone.now()
    gestionnaire = modele._default_manager
    en_cours_delai = int(getattr(settings, "ECHARPE_ENVOI_EN_COURS_DELAI", 15 * 60))
    incertains = gestionnaire.filter(
        statut=StatutEnvoi.EN_COURS,
        en_cours_depuis__lt=maintenant - timedelta(seconds=en_cours_delai),
    ).update(statut=StatutEnvoi.INCERTAIN, reponse_smtp=MESSAGE_INTERROMPU)
    # Réservées par un lot qui ne les a jamais mises en vol (worker tué) : aucun message n'est
    # parti pour elles, elles retournent à la file sans tentative comptée.
    gestionnaire.filter(
        statut=StatutEnvoi.EN_COURS,
        en_cours_depuis__isnull=True,
        prochain_essai__lt=maintenant - timedelta(seconds=en_cours_delai),
    ).update(statut=StatutEnvoi.EN_ATTENTE, tentatives=F("tentatives") - 1)
    remise = int(getattr(settings, "ECHARPE_ENVOI_REMISE_EN_FILE", 5 * 60))
    with transaction.atomic():
        oubliees = list(
            gestionnaire.select_for_update(skip_locked=True)
            .filter(
                statut=StatutEnvoi.EN_ATTENTE,
                prochain_essai__lte=maintenant - timedelta(seconds=remise),
            )
            .order_by("prochain_essai")
            .values_list("pk", flat=True)[: taille_lot() * 100]
        )
        gestionnaire.filter(pk__in=oubliees).update(prochain_essai=maintenant)
        lot_mettre_en_file(ids=oubliees, tache=tache)
    if incertains or oubliees:
        logger.warning(
            "Balayage %s : %s ligne(s) remise(s) en file, %s devenue(s) incertaine(s).",
            modele._meta.label,
            len(oubliees),
            incertains,
        )
    return BilanBalayage(remis_en_file=len(oubliees), incertains=incertains)


__all__ = [
    "MESSAGE_INTERROMPU",
    "MESSAGE_SANS_REPONSE",
    "BilanBalayage",
    "BilanLot",
    "EnvoiDansTransaction",
    "EnvoiSansObjet",
    "MessagePrepare",
    "delai_essai",
    "essais_max",
    "lot_balayer",
    "lot_envoyer",
    "lot_mettre_en_file",
]
