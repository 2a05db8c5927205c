"""Pouvoirs (CGCT L2121-20) : donner, révoquer, sous verrou de la séance.

« Un conseiller municipal empêché d'assister à une séance peut donner à un collègue de son
choix pouvoir écrit de voter en son nom. Un même conseiller municipal ne peut être porteur que
d'un seul pouvoir. Le pouvoir est toujours révocable. Sauf cas de maladie dûment constatée, il
ne peut être valable pour plus de trois séances consécutives. »

La base garantit l'essentiel (un pouvoir par mandataire et par mandant, jamais à soi-même :
contraintes de `Pouvoir`) ; le service vérifie le reste sous le verrou de la séance, qui met
en file toutes les écritures de pouvoirs d'une même séance. Une contrainte violée malgré tout
(vérification contournée) revient en français, jamais en erreur 500.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from convocations.models import ActionConvocations
from convocations.seances.models import Destinataire, EtatSeance, Pouvoir, Seance
from core.comptes.models import Utilisateur
from core.journal.services import journaliser

# Sauf maladie dûment constatée, un pouvoir ne vaut pas pour plus de trois séances consécutives.
SEANCES_CONSECUTIVES_MAX = 3


def _nom(destinataire: Destinataire) -> str:
    return destinataire.nom or destinataire.email


def _meme_personne_q(destinataire: Destinataire, prefixe: str) -> Q:
    """La même personne dans une autre séance : son compte s'il existe, sinon son adresse."""
    if destinataire.utilisateur_id is not None:
        return Q(**{f"{prefixe}utilisateur_id": destinataire.utilisateur_id})
    return Q(**{f"{prefixe}email__iexact": destinataire.email})


def seances_consecutives_avec_pouvoir(mandant: Destinataire) -> int:
    """Combien des séances précédentes de la même assemblée, à la suite, le mandant a donné
    pouvoir (en vigueur). Les brouillons ne comptent pas : ils n'ont pas eu lieu."""
    seance = mandant.seance
    precedentes = (
        Seance.objects.filter(
            collectivite_id=seance.collectivite_id,
            assemblee=seance.assemblee,
            commission=seance.commission,
            date__lt=seance.date,
        )
        .exclude(etat=EtatSeance.BROUILLON)
        .order_by("-date", "-pk")
        .values_list("pk", flat=True)[:SEANCES_CONSECUTIVES_MAX]
    )
    ids = list(precedentes)
    avec_pouvoir = set(
        Pouvoir.objects.filter(seance_id__in=ids, revoque_le__isnull=True)
        .filter(_meme_personne_q(mandant, "mandant__"))
        .values_list("seance_id", flat=True)
    )
    suite = 0
    for pk in ids:
        if pk not in avec_pouvoir:
            break
        suite += 1
    return suite


def _verifier(
    *,
    mandant: Destinataire,
    mandataire: Destinataire,
    exception_maladie: bool,
    justification: str,
    par_agent: bool,
) -> None:
    """Les règles de L2121-20 ; lève une `ValidationError` en français."""
    if mandataire.seance_id != mandant.seance_id:
        raise ValidationError(
            {"mandataire": "Ce membre n'est pas convoqué à cette séance."}, code="seance"
        )
    if mandant.pk == mandataire.pk:
        raise ValidationError(
            {"mandataire": "Vous ne pouvez pas vous donner pouvoir à vous-même."}, code="soi"
        )
    if not mandant.membre:
        raise ValidationError(
            "Seul un membre de l'assemblée peut donner pouvoir.", code="mandant_non_membre"
        )
    if not mandataire.membre:
        raise ValidationError(
            {
                "mandataire": f"{_nom(mandataire)} n'est pas membre de l'assemblée : "
                "choisissez un membre convoqué à cette séance."
            },
            code="non_membre",
        )
    vigueur = Pouvoir.objects.filter(seance_id=mandant.seance_id, revoque_le__isnull=True)
    if vigueur.filter(mandataire=mandataire).exists():
        raise ValidationError(
            {
                "mandataire": f"{_nom(mandataire)} porte déjà un pouvoir pour cette séance : "
                "un membre ne peut en porter qu'un seul. Choisissez un autre membre."
            },
            code="mandataire_deja_porteur",
        )
    if vigueur.filter(mandant=mandataire).exists():
        raise ValidationError(
            {
                "mandataire": f"{_nom(mandataire)} a lui-même donné pouvoir pour cette séance : "
                "il ne peut pas en recevoir."
            },
            code="mandataire_absent",
        )
    recu = vigueur.filter(mandataire=mandant).select_related("mandant").first()
    if recu is not None:
        raise ValidationError(
            f"Vous portez le pouvoir de {_nom(recu.mandant)} pour cette séance : un membre qui "
            "porte un pouvoir ne peut pas en donner. Ce membre doit d'abord le reprendre.",
            code="mandant_porteur",
        )
    if vigueur.filter(mandant=mandant).exists():
        raise ValidationError(
            "Un pouvoir est déjà donné pour cette séance : révoquez-le d'abord.",
            code="deja_donne",
        )
    if exception_maladie:
        if not par_agent:
            raise ValidationError(
                "Seul le secrétariat peut enregistrer l'exception pour maladie.",
                code="maladie_agent",
            )
        if not justification.strip():
            raise ValidationError(
                {"justification": "Justifiez l'exception pour maladie."}, code="maladie"
            )
    elif seances_consecutives_avec_pouvoir(mandant) >= SEANCES_CONSECUTIVES_MAX:
        raise ValidationError(
            "Un pouvoir ne peut pas valoir pour plus de trois séances consécutives (CGCT "
            "L2121-20) : celle-ci serait la quatrième. Seule une maladie dûment constatée le "
            "permet ; le secrétariat peut alors l'enregistrer avec sa justification.",
            code="quatrieme",
        )


def _message_contrainte(erreur: IntegrityError) -> str | None:
    """Le message français de la contrainte de `Pouvoir` que nomme l'erreur de la base."""
    texte = str(erreur)
    for contrainte in Pouvoir._meta.constraints:
        if contrainte.name in texte:
            return str(contrainte.violation_error_message)
    return None


def verrouiller_seance(seance_id: int) -> Seance:
    """Verrou de la séance : les écritures de pouvoirs et de réponses d'une séance se suivent."""
    return Seance.objects.select_for_update().get(pk=seance_id)


def pouvoir_donner(
    *,
    mandant: Destinataire,
    mandataire: Destinataire,
    par: Utilisateur | None,
    par_agent: bool = False,
    exception_maladie: bool = False,
    justification: str = "",
) -> Pouvoir:
    """Enregistre le pouvoir de `mandant` à `mandataire` ; `ValidationError` en français sinon.

    `par_agent` : saisie par le secrétariat (seul à pouvoir retenir l'exception pour maladie).
    """
    try:
        with transaction.atomic():
            seance = verrouiller_seance(mandant.seance_id)
            _verifier(
                mandant=mandant,
                mandataire=mandataire,
                exception_maladie=exception_maladie,
                justification=justification,
                par_agent=par_agent,
            )
            pouvoir = Pouvoir(
                collectivite_id=seance.collectivite_id,
                seance=seance,
                mandant=mandant,
                mandataire=mandataire,
                exception_maladie=exception_maladie,
                justification=justification.strip() if exception_maladie else "",
                par=par,
            )
            # Les contraintes d'unicité sont celles de la base (insert ci-dessous) : un contrôle
            # en Python ici serait sujet aux courses que la base, elle, tranche.
            pouvoir.full_clean(exclude=["par"], validate_constraints=False)
            pouvoir.save()
            journaliser(
                action=ActionConvocations.CONVOCATIONS_POUVOIR_DONNE,
                collectivite=seance.collectivite,
                par=par,
                objet=pouvoir,
                sujet=seance,
                details={"exception_maladie": exception_maladie} if exception_maladie else None,
            )
    except IntegrityError as erreur:
        message = _message_contrainte(erreur)
        if message is None:
            raise
        raise ValidationError(message, code="contrainte") from erreur
    return pouvoir


@transaction.atomic
def pouvoir_revoquer(*, pouvoir: Pouvoir, par: Utilisateur | None) -> Pouvoir:
    """Révoque un pouvoir en vigueur (sans effet s'il l'est déjà) et le journalise."""
    seance = verrouiller_seance(pouvoir.seance_id)
    maintenant = timezone.now()
    modifies = Pouvoir.objects.filter(pk=pouvoir.pk, revoque_le__isnull=True).update(
        revoque_le=maintenant, modifie_le=maintenant
    )
    pouvoir.refresh_from_db(fields=["revoque_le"])
    if modifies:
        journaliser(
            action=ActionConvocations.CONVOCATIONS_POUVOIR_REVOQUE,
            collectivite=seance.collectivite,
            par=par,
            objet=pouvoir,
            sujet=seance,
        )
    return pouvoir


def pouvoir_en_vigueur(mandant: Destinataire) -> Pouvoir | None:
    return (
        Pouvoir.objects.filter(mandant=mandant, revoque_le__isnull=True)
        .select_related("mandataire")
        .first()
    )
