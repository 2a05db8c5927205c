"""Conversion DOCX → PDF par LibreOffice « headless », un seul processus pour tout un lot.

LibreOffice ne convertit que les documents qu'Écharpe vient de rendre (`docx_rendre`), dans un
dossier temporaire, avec un profil utilisateur temporaire où les macros sont désactivées, et
sous un délai (`ECHARPE_SOFFICE_TIMEOUT`). Là où LibreOffice manque (démonstration), l'écran
le dit et le document Word reste disponible.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from django.conf import settings

from core.documents import ConversionImpossible

MESSAGE_ABSENT = (
    "LibreOffice n'est pas installé sur ce serveur : le document Word reste disponible."
)

# Profil LibreOffice minimal : macros interdites (niveau de sécurité « très élevé » et exécution
# désactivée), pas de recherche de mises à jour, liens externes non suivis.
_TACHE_MISE_A_JOUR = "org.openoffice.Office.Jobs:Job['UpdateCheck']"
_PROFIL = f"""<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
  xmlns:xs="http://www.w3.org/2001/XMLSchema"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Common/Security/Scripting">
  <prop oor:name="MacroSecurityLevel" oor:op="fuse"><value>3</value></prop>
</item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting">
  <prop oor:name="DisableMacrosExecution" oor:op="fuse"><value>true</value></prop>
</item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting">
  <prop oor:name="BlockUntrustedRefererLinks" oor:op="fuse"><value>true</value></prop>
</item>
<item oor:path="/org.openoffice.Office.Jobs/Jobs/{_TACHE_MISE_A_JOUR}/Arguments">
  <prop oor:name="AutoCheckEnabled" oor:op="fuse"><value>false</value></prop>
</item>
</oor:items>
"""


def _executable() -> str | None:
    return shutil.which(settings.ECHARPE_SOFFICE)


def libreoffice_disponible() -> bool:
    """Vrai si l'exécutable `ECHARPE_SOFFICE` existe sur ce serveur."""
    return _executable() is not None


def _arreter(processus: subprocess.Popen[bytes]) -> None:
    # soffice lance soffice.bin : on arrête tout le groupe de processus, pas seulement le script.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(processus.pid, signal.SIGKILL)
    processus.wait()


def docx_vers_pdf(documents: dict[str, bytes]) -> dict[str, bytes]:
    """Convertit un lot de DOCX en PDF en un seul appel à LibreOffice ; mêmes clés en sortie.

    Les clés ne servent pas de noms de fichier (les fichiers s'appellent `doc-0001.docx`…).
    Lève `ConversionImpossible` si LibreOffice manque, dépasse le délai ou ne produit pas
    l'un des PDF.
    """
    if not documents:
        return {}
    executable = _executable()
    if executable is None:
        raise ConversionImpossible(MESSAGE_ABSENT)
    delai = settings.ECHARPE_SOFFICE_TIMEOUT
    with tempfile.TemporaryDirectory(prefix="echarpe-soffice-") as dossier_temporaire:
        dossier = Path(dossier_temporaire)
        entree, sortie, profil = dossier / "entree", dossier / "sortie", dossier / "profil"
        for sous_dossier in (entree, sortie, profil / "user"):
            sous_dossier.mkdir(parents=True)
        (profil / "user" / "registrymodifications.xcu").write_text(_PROFIL, encoding="utf-8")
        fichiers: dict[str, Path] = {}
        for numero, (cle, contenu) in enumerate(documents.items(), start=1):
            chemin = entree / f"doc-{numero:04d}.docx"
            chemin.write_bytes(contenu)
            fichiers[cle] = chemin
        commande = [
            executable,
            f"-env:UserInstallation={profil.as_uri()}",
            "--headless",
            "--invisible",
            "--nologo",
            "--nodefault",
            "--nolockcheck",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(sortie),
            *(str(chemin) for chemin in fichiers.values()),
        ]
        # Environnement réduit : pas de mandataire (proxy) ni de secret hérité du processus.
        environnement = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(dossier),
            "LANG": "C.UTF-8",
            "TMPDIR": str(dossier),
        }
        try:
            processus = subprocess.Popen(  # noqa: S603 - commande fixe, sans shell
                commande,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                cwd=dossier,
                env=environnement,
                start_new_session=True,
            )
        except OSError as exc:
            raise ConversionImpossible(MESSAGE_ABSENT) from exc
        try:
            processus.communicate(timeout=delai)
        except subprocess.TimeoutExpired as exc:
            _arreter(processus)
            raise ConversionImpossible(
                f"La conversion en PDF a dépassé le délai de {delai} seconde"
                f"{'s' if delai > 1 else ''} : le document Word reste disponible."
            ) from exc
        resultats: dict[str, bytes] = {}
        for cle, chemin in fichiers.items():
            pdf = sortie / f"{chemin.stem}.pdf"
            contenu = pdf.read_bytes() if pdf.is_file() else b""
            if not contenu.startswith(b"%PDF"):
                raise ConversionImpossible(
                    f"La conversion en PDF a échoué pour « {cle} » : le document Word reste "
                    "disponible."
                )
            resultats[cle] = contenu
        return resultats
