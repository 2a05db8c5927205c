"""Un seul chemin d'une `ValidationError` de service vers un formulaire.

Un service lève `ValidationError({"champ": [...]})` ou `ValidationError("message")` : chaque
message se place sous son champ s'il existe dans le formulaire, sinon en tête (erreur non
rattachée, lue par `components/erreurs_formulaire.html`). Jamais de 500 pour un champ que le
formulaire n'affiche pas (`add_error` lèverait `ValueError`).
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe


def echapper(valeur: Any) -> str:
    """`conditional_escape` sans son enveloppe paresseuse (`keep_lazy`), quatre fois plus
    lente que l'échappement lui-même : même résultat (`html.escape` est ce que Django appelle),
    et un texte déjà sûr (`__html__`) n'est pas échappé deux fois."""
    if hasattr(valeur, "__html__"):
        return str(valeur.__html__())
    return html.escape(str(valeur))


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
        options = "".join(
            f'<option value="{echapper(v)}"{" selected" if str(v) in choisies else ""}>'
            f"{echapper(libelle)}</option>"
            for v, libelle in self.choices
        )
        final = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        # Chaque morceau variable est échappé ci-dessus (`echapper`) ou par `flatatt`.
        return mark_safe(f"<select{flatatt(final)}>{options}</select>")  # noqa: S308


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


def champ_html(champ: forms.BoundField) -> SafeString:
    """Le HTML de `components/champ.html` pour `champ`, au caractère près, sans le moteur de
    gabarits : un `include` par champ coûtait autant que le champ lui-même (page du journal).
    `tests/core/test_formulaires.py` compare les deux rendus ; modifiez-les ensemble."""
    libelle = echapper(champ.label)
    pour = echapper(champ.id_for_label)
    if champ.widget_type == "checkbox":
        corps = f'\n    {champ}\n    <label for="{pour}">{libelle}</label>\n  '
    else:
        obligatoire = (
            ' <span class="obligatoire">(obligatoire)</span>' if champ.field.required else ""
        )
        corps = f'\n    <label for="{pour}">{libelle}{obligatoire}</label>\n    {champ}\n  '
    identifiant = echapper(champ.auto_id)
    aide = (
        f'<p class="aide" id="{identifiant}_helptext">{champ.help_text}</p>'
        if champ.help_text
        else ""
    )
    erreurs = "".join(
        f'<p class="erreur" id="{identifiant}_erreur">{echapper(erreur)}</p>'
        for erreur in champ.errors
    )
    classe = "champ champ--erreur" if champ.errors else "champ"
    # Chaque valeur est échappée (`echapper`) ou déjà sûre (le widget rendu, l'aide marquée
    # `safe` dans le gabarit).
    return mark_safe(  # noqa: S308
        f'\n<div class="{classe}">\n  {corps}\n  {aide}\n  {erreurs}\n</div>\n'
    )


def champs_html(champs: Iterable[forms.BoundField]) -> SafeString:
    """`champ_html` de chaque champ, avec les blancs de la boucle `{% for %}` + `{% include %}`
    qu'elle remplace (même page, à l'octet près ; chaque morceau est déjà sûr)."""
    return mark_safe("".join(f"\n    {champ_html(champ)}\n  " for champ in champs))  # noqa: S308
