"""Un seul chemin d'une `ValidationError` de service vers un formulaire.

Un service lève `ValidationError({"champ": [...]})` ou `ValidationError("message")` : chaque
message se place sous son champ s'il existe dans le formulaire, sinon en tête (erreur non
rattachée, lue par `components/erreurs_formulaire.html`). Jamais de 500 pour un champ que le
formulaire n'affiche pas (`add_error` lèverait `ValueError`).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe


def erreurs_vers_formulaire(form: forms.BaseForm, erreur: ValidationError) -> None:
    """Ajoute à `form` les messages de `erreur`, champ par champ quand c'est possible."""
    if hasattr(erreur, "error_dict"):
        for champ, messages in erreur.message_dict.items():
            form.add_error(champ if champ in form.fields else None, messages)
    else:
        form.add_error(None, erreur.messages)


class SelectLeger(forms.Select):
    """Liste déroulante rendue en Python : le rendu par gabarits de Django inclut un gabarit
    par option, la moitié du temps de la page du journal (cent personnes, cinquante actions)
    pour un HTML identique."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        choisies = {str(v) for v in self.format_value(value)}
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (str(v), mark_safe(" selected") if str(v) in choisies else "", libelle)
                for v, libelle in self.choices
            ),
        )
        final = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        return format_html("<select{}>{}</select>", flatatt(final), options)


class _RenduEnPython:
    """Champ `<input>` rendu en Python, même HTML que `django/forms/widgets/input.html` :
    le moteur de gabarits coûte plus que le champ (deux gabarits par champ, sept champs dans
    les filtres du journal)."""

    def _render(self, template_name: str, context: dict[str, Any], renderer: Any = None) -> str:
        widget = context["widget"]
        valeur = widget["value"]
        return format_html(
            '<input type="{}" name="{}"{}{}>',
            widget["type"],
            widget["name"],
            format_html(' value="{}"', str(valeur)) if valeur is not None else "",
            flatatt({k: v for k, v in widget["attrs"].items() if v is not False}),
        )


class EntreeTexte(_RenduEnPython, forms.TextInput):
    pass


class EntreeCachee(_RenduEnPython, forms.HiddenInput):
    pass
