from __future__ import annotations

from django import forms
from django.core.files.uploadedfile import UploadedFile

from electeurs.imports.services import ErreurImport, limite_extrait, taille_lisible, verifier_taille


class DepotExtraitForm(forms.Form):
    fichier = forms.FileField(
        label="Extrait de la liste électorale (CSV)",
        allow_empty_file=True,  # le service donne son propre message pour un fichier vide
        error_messages={"required": "Choisissez le fichier de l'extrait à importer."},
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["fichier"].help_text = (
            "Le fichier « ListesElecteursActifs-com…csv » téléchargé depuis ELIRE "
            f"(liste électorale des électeurs actifs), {taille_lisible(limite_extrait())} au plus. "
            "Rien n'est écrit avant votre confirmation, après l'aperçu."
        )

    def clean_fichier(self) -> UploadedFile:
        fichier: UploadedFile = self.cleaned_data["fichier"]
        try:
            verifier_taille(fichier.size or 0)
        except ErreurImport as exc:
            raise forms.ValidationError(exc.message) from exc
        return fichier
