from django import forms


class DossierForm(forms.Form):
    titre = forms.CharField(label="Titre du dossier", max_length=200)
