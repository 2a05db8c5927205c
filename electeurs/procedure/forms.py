"""Formulaires de la procédure : une étape, un formulaire ; les règles vivent dans les services."""

from __future__ import annotations

import datetime
from typing import Any, cast

from django import forms
from django.utils import timezone

from core.dates import ChampDateFr
from core.tenancy.models import Collectivite
from electeurs.models import BureauDeVote, Electeur, Sexe, TypeListe
from electeurs.procedure.models import (
    CHAMPS_ADRESSE,
    Canal,
    Decision,
    DecisionCommission,
    Delegation,
    MembreCommission,
    NatureModification,
    OrigineMouvement,
    ReunionCommission,
    Scrutin,
    TypeMouvement,
    TypePiece,
)


def _date(label: str, *, required: bool = True, help_text: str = "") -> ChampDateFr:
    champ = ChampDateFr(
        label=label,
        required=required,
        help_text=help_text or "Au format jj/mm/aaaa.",
        error_messages={"required": f"Indiquez la date : {label.lower()}."},
    )
    champ.widget.attrs.update({"autocomplete": "off"})
    return champ


def _texte(label: str, *, required: bool = False, rows: int = 3, help_text: str = "") -> Any:
    return forms.CharField(
        label=label,
        required=required,
        max_length=2000,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"required": f"Indiquez : {label.lower()}."},
    )


class DemandeInscriptionForm(forms.ModelForm):
    """Nouvelle demande d'inscription : l'état civil, l'adresse, la liste et la réception."""

    liste = forms.ChoiceField(label="Liste demandée", choices=TypeListe.choices)
    recue_le = _date(
        "Demande reçue le",
        help_text="Date de réception en mairie (jj/mm/aaaa) : elle fait courir les 5 jours "
        "de la décision et ne pourra plus être modifiée.",
    )
    motif = _texte("Motif de l'attache avec la commune", help_text="Domicile, résidence…")
    en_ligne = forms.BooleanField(
        label="Demande déposée en ligne (service-public.fr)",
        required=False,
        help_text="Avant un scrutin, la date limite en ligne est le sixième mercredi, et non le "
        "sixième vendredi (Code électoral, art. R5 et L17).",
    )
    cas_l30 = forms.BooleanField(
        label="Cas de l'article L30 (mutation, retraite, majorité, naturalisation…)",
        required=False,
        help_text="La demande est alors possible jusqu'au dixième jour avant le scrutin : "
        "précisez le cas dans le motif.",
    )
    confirmer_homonyme = forms.BooleanField(
        label="J'ai vérifié : ce n'est pas la même personne que l'homonyme signalé",
        required=False,
    )

    class Meta:
        model = Electeur
        fields = [
            "nom_naissance",
            "nom_usage",
            "prenoms",
            "sexe",
            "naissance_jour",
            "naissance_mois",
            "naissance_annee",
            "commune_naissance_libelle",
            "commune_naissance_code",
            "pays_naissance",
            "nationalite",
            "numero_voie",
            "libelle_voie",
            "complement_1",
            "code_postal",
            "commune",
            "courriel",
            "telephone",
        ]
        labels = {"naissance_jour": "Jour", "naissance_mois": "Mois", "naissance_annee": "Année"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["sexe"]).choices = [("", "Choisissez")] + list(
            Sexe.choices
        )
        self.fields["naissance_annee"].required = True
        for nom in ("naissance_jour", "naissance_mois", "naissance_annee"):
            self.fields[nom].widget.attrs.update({"inputmode": "numeric"})
        self.fields["naissance_annee"].help_text = "Le jour et le mois peuvent rester vides."
        self.fields["recue_le"].initial = timezone.localdate()

    def clean(self) -> dict[str, Any]:
        donnees = super().clean() or {}
        jour, mois, annee = (
            donnees.get("naissance_jour"),
            donnees.get("naissance_mois"),
            donnees.get("naissance_annee"),
        )
        if jour and not mois:
            self.add_error("naissance_mois", "Indiquez le mois si vous indiquez le jour.")
        elif jour and mois and annee:
            try:
                datetime.date(annee, mois, jour)
            except ValueError:
                self.add_error(
                    "naissance_jour",
                    f"Cette date de naissance n'existe pas ({jour:02d}/{mois:02d}/{annee}).",
                )
        if annee and not 1900 <= annee <= timezone.localdate().year:
            self.add_error("naissance_annee", "Indiquez une année de naissance plausible.")
        return donnees

    # Les listes électorales écrivent les noms en capitales (comme les extraits du REU).
    def clean_nom_naissance(self) -> str:
        return str(self.cleaned_data["nom_naissance"]).strip().upper()

    def clean_nom_usage(self) -> str:
        return str(self.cleaned_data["nom_usage"]).strip().upper()


class IntentionRadiationForm(forms.Form):
    liste = forms.ChoiceField(label="Liste", choices=TypeListe.choices)
    motif = _texte(
        "Motifs de la radiation envisagée",
        required=True,
        help_text="Les faits qui montrent que l'électeur n'a plus d'attache avec la commune.",
    )
    envoyee_le = _date("Courrier envoyé le")
    canal = forms.ChoiceField(label="Canal", choices=Canal.choices, initial=Canal.LRAR)
    numero_lrar = forms.CharField(label="Numéro du recommandé", max_length=40, required=False)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label="Décision", choices=Decision.choices)
    decide_le = _date("Décidée le")
    decideur = forms.CharField(label="Signataire (prénom, nom)", max_length=200)
    delegation = forms.ChoiceField(
        label="Le signataire décide en tant que", choices=Delegation.choices
    )
    delegation_reference = forms.CharField(
        label="Arrêté de délégation",
        max_length=200,
        required=False,
        help_text="Numéro et date, si le signataire n'est pas le maire.",
    )
    motif = _texte(
        "Motifs de la décision", help_text="Obligatoires pour un refus ou une radiation."
    )
    bureau = forms.ModelChoiceField(
        label="Bureau de vote",
        queryset=BureauDeVote.objects.none(),
        required=False,
        empty_label="À préciser plus tard",
        help_text="Pour une inscription accordée : le bureau figure sur l'avis d'inscription.",
    )

    def __init__(
        self,
        *args: Any,
        type_mouvement: str = "",
        nature: str = "",
        collectivite: Collectivite | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        change_bureau = type_mouvement == TypeMouvement.MODIFICATION and nature in (
            NatureModification.ADRESSE,
            NatureModification.BUREAU,
        )
        if change_bureau:
            self.fields["bureau"].label = "Nouveau bureau de vote"
            self.fields["bureau"].help_text = "Pour une modification accordée (L16 I)."
            cast(forms.ModelChoiceField, self.fields["bureau"]).empty_label = "Inchangé"
        if (type_mouvement == TypeMouvement.INSCRIPTION or change_bureau) and collectivite:
            cast(
                forms.ModelChoiceField, self.fields["bureau"]
            ).queryset = BureauDeVote.objects.pour(collectivite)
        else:
            del self.fields["bureau"]
        if type_mouvement == TypeMouvement.RADIATION:
            cast(forms.ChoiceField, self.fields["decision"]).choices = [
                (Decision.FAVORABLE, "Radier l'électeur"),
                (Decision.REFUS, "Maintenir l'électeur sur la liste"),
            ]
        else:
            verbe = "l'inscription" if type_mouvement == TypeMouvement.INSCRIPTION else "la demande"
            cast(forms.ChoiceField, self.fields["decision"]).choices = [
                (Decision.FAVORABLE, f"Accepter {verbe}"),
                (Decision.REFUS, f"Refuser {verbe}"),
            ]
        self.fields["decide_le"].initial = timezone.localdate()


class NotificationForm(forms.Form):
    envoyee_le = _date("Notifiée le", help_text="Date d'envoi ou de remise (jj/mm/aaaa).")
    canal = forms.ChoiceField(label="Canal", choices=Canal.choices)
    numero_lrar = forms.CharField(label="Numéro du recommandé", max_length=40, required=False)
    recue_le = _date(
        "Reçue par l'électeur le",
        required=False,
        help_text="Facultatif : date de l'accusé de réception, si vous la connaissez.",
    )
    texte = _texte("Précisions", rows=2)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["envoyee_le"].initial = timezone.localdate()


class DateForm(forms.Form):
    """Une date seule (réception, retour NPAI)."""

    le = _date("Date")

    def __init__(self, *args: Any, libelle: str = "Date", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["le"].label = libelle
        self.fields["le"].error_messages["required"] = f"Indiquez la date : {libelle.lower()}."


class ObservationsForm(forms.Form):
    recues_le = _date("Observations reçues le")
    texte = _texte("Résumé des observations", required=True)


class RapoForm(forms.Form):
    recu_le = _date("Recours reçu le")
    texte = _texte("Objet du recours")


class DecisionCommissionForm(forms.Form):
    reunion = forms.ModelChoiceField(
        label="Réunion de la commission",
        queryset=ReunionCommission.objects.none(),
        empty_label="Choisissez la réunion",
        help_text="Enregistrez d'abord la réunion et ses présents dans « Commission de "
        "contrôle » : le quorum y est vérifié.",
        error_messages={"required": "Choisissez la réunion de la commission."},
    )
    decision = forms.ChoiceField(
        label="Décision",
        choices=[
            (DecisionCommission.CONFIRMATION, DecisionCommission.CONFIRMATION.label),
            (DecisionCommission.REFORMATION, DecisionCommission.REFORMATION.label),
        ],
    )
    motif = _texte("Motifs de la commission", required=True)

    def __init__(self, *args: Any, collectivite: Collectivite, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(
            forms.ModelChoiceField, self.fields["reunion"]
        ).queryset = ReunionCommission.objects.pour(collectivite)


class CommissionElecteurForm(forms.Form):
    """La commission inscrit un électeur omis ou radie un électeur indûment inscrit (L19)."""

    reunion = forms.ModelChoiceField(
        label="Réunion de la commission",
        queryset=ReunionCommission.objects.none(),
        empty_label="Choisissez la réunion",
        help_text="Enregistrez d'abord la réunion et ses présents dans « Commission de "
        "contrôle » : le quorum y est vérifié.",
        error_messages={"required": "Choisissez la réunion de la commission."},
    )
    decision = forms.ChoiceField(
        label="Décision",
        choices=[
            (DecisionCommission.INSCRIPTION, "Inscrire l'électeur"),
            (DecisionCommission.RADIATION, "Radier l'électeur"),
        ],
    )
    liste = forms.ChoiceField(label="Liste", choices=TypeListe.choices)
    motif = _texte("Motifs de la commission", required=True)

    def __init__(self, *args: Any, collectivite: Collectivite, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(
            forms.ModelChoiceField, self.fields["reunion"]
        ).queryset = ReunionCommission.objects.pour(collectivite)


class PieceForm(forms.Form):
    type = forms.ChoiceField(label="Type de pièce", choices=TypePiece.choices)
    date = _date("Date de la pièce")
    fichier = forms.FileField(
        label="Fichier",
        help_text="PDF, PNG ou JPEG.",
        error_messages={"required": "Choisissez le fichier.", "empty": "Le fichier est vide."},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["fichier"].widget.attrs["accept"] = "application/pdf,image/png,image/jpeg"
        self.fields["date"].initial = timezone.localdate()


class MembreForm(forms.ModelForm):
    class Meta:
        model = MembreCommission
        fields = ["nom", "qualite", "courriel"]


class ReunionForm(forms.Form):
    date = _date("Date de la réunion")
    nombre_membres = forms.IntegerField(
        label="Nombre de membres de la commission",
        min_value=1,
        max_value=20,
        initial=3,
        help_text="3 ou 5 selon la commune (Code électoral, art. L19).",
    )
    presents = forms.ModelMultipleChoiceField(
        label="Membres présents",
        queryset=MembreCommission.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    notes = _texte("Notes", rows=2)

    def __init__(self, *args: Any, collectivite: Collectivite, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(
            forms.ModelMultipleChoiceField, self.fields["presents"]
        ).queryset = MembreCommission.objects.pour(collectivite).filter(fin_le__isnull=True)


class ModificationForm(forms.Form):
    """Demande de modification d'un électeur inscrit : adresse, bureau, état civil."""

    liste = forms.ChoiceField(label="Liste", choices=TypeListe.choices)
    nature = forms.ChoiceField(
        label="Modification demandée",
        choices=[("", "Choisissez"), *NatureModification.choices],
        error_messages={"required": "Indiquez ce que la demande modifie."},
    )
    recue_le = _date(
        "Demande reçue le",
        help_text="Date de réception en mairie (jj/mm/aaaa) : elle fait courir les 5 jours de "
        "la décision.",
    )
    numero_voie = forms.CharField(label="Numéro de voie", max_length=20, required=False)
    libelle_voie = forms.CharField(
        label="Libellé de voie",
        max_length=200,
        required=False,
        help_text="Pour un changement d'adresse : la nouvelle adresse dans la commune.",
    )
    complement_1 = forms.CharField(label="Complément 1", max_length=200, required=False)
    complement_2 = forms.CharField(label="Complément 2", max_length=200, required=False)
    lieu_dit = forms.CharField(label="Lieu-dit", max_length=200, required=False)
    code_postal = forms.CharField(label="Code postal", max_length=10, required=False)
    commune = forms.CharField(label="Commune", max_length=200, required=False)
    motif = _texte(
        "Précisions",
        help_text="Le bureau souhaité ou la correction demandée (obligatoire hors changement "
        "d'adresse).",
    )

    def __init__(self, *args: Any, listes: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _listes(self, listes)
        self.fields["recue_le"].initial = timezone.localdate()

    def adresse(self) -> dict[str, str]:
        return {champ: self.cleaned_data.get(champ, "") for champ in CHAMPS_ADRESSE}


class RadiationDemandeForm(forms.Form):
    """Radiation demandée par l'électeur : seulement d'une liste complémentaire (EL-14)."""

    liste = forms.ChoiceField(label="Liste à quitter", choices=TypeListe.choices)
    recue_le = _date("Demande reçue le")
    motif = _texte("Précisions")

    def __init__(self, *args: Any, listes: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _listes(self, listes)
        self.fields["recue_le"].initial = timezone.localdate()


class MouvementExterneForm(forms.Form):
    """Mouvement appliqué par l'INSEE dans le REU, ou ordonné par le tribunal judiciaire."""

    origine = forms.ChoiceField(
        label="Origine",
        choices=[
            (OrigineMouvement.INSEE, "INSEE (avis du répertoire électoral unique)"),
            (OrigineMouvement.TRIBUNAL, "Jugement du tribunal judiciaire"),
        ],
    )
    type = forms.ChoiceField(label="Mouvement", choices=TypeMouvement.choices)
    liste = forms.ChoiceField(label="Liste", choices=TypeListe.choices)
    le = _date("Date de l'avis ou du jugement")
    motif = _texte(
        "Motif",
        required=True,
        help_text="Décès, inscription dans une autre commune, perte de nationalité… ; pour un "
        "jugement : tribunal, date et numéro.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["le"].initial = timezone.localdate()


def _listes(form: forms.Form, listes: list[str] | None) -> None:
    """Ne propose que les listes où l'électeur est inscrit."""
    if listes is not None:
        cast(forms.ChoiceField, form.fields["liste"]).choices = [
            (code, libelle) for code, libelle in TypeListe.choices if code in listes
        ]


class FinFonctionsForm(forms.Form):
    fin_le = _date("Fin de fonctions le")
    motif = forms.CharField(
        label="Motif",
        max_length=200,
        required=False,
        help_text="Par exemple : nouvel arrêté préfectoral, démission.",
    )


class ScrutinForm(forms.ModelForm):
    premier_tour = _date("Premier tour le", help_text="Un dimanche (jj/mm/aaaa).")
    second_tour = _date(
        "Second tour le", required=False, help_text="Facultatif : un dimanche (jj/mm/aaaa)."
    )

    class Meta:
        model = Scrutin
        fields = ["libelle", "premier_tour", "second_tour"]
