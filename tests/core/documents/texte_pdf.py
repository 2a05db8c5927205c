"""Extraction minimale du texte d'un PDF, pour les tests (ni pdftotext ni pypdf ici).

Suffit pour les PDF de LibreOffice et de WeasyPrint : objets (y compris les flux d'objets),
flux FlateDecode, polices et leurs CMap ToUnicode, opérateurs Tf / Tj / TJ / ' / ".
Le texte rendu est celui qu'un lecteur de PDF copierait : il prouve que le texte est
extractible (pas une image) et que les caractères accentués sont bien associés.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import zlib
from pathlib import Path

_OBJET = re.compile(rb"(\d+)\s+\d+\s+obj\b(.*?)\bendobj", re.DOTALL)
_REFERENCE = re.compile(rb"/([^\s/<>\[\]()]+)\s*(\d+)\s+\d+\s+R")
_JETON = re.compile(
    rb"/[^\s/<>\[\]()]+|<[0-9A-Fa-f\s]*>|\((?:\\.|[^\\()]|\((?:\\.|[^\\()])*\))*\)"
    rb"|\[|\]|[-+]?\d*\.?\d+|[A-Za-z'\"*]+",
    re.DOTALL,
)


def _flux(corps: bytes) -> bytes | None:
    trouve = re.search(rb"stream\r?\n", corps)
    if trouve is None:
        return None
    donnees = corps[trouve.end() : corps.rfind(b"endstream")]
    if b"/FlateDecode" in corps[: trouve.start()]:
        try:
            return zlib.decompressobj().decompress(donnees)
        except zlib.error:
            return None
    return donnees


def _objets(pdf: bytes) -> dict[int, bytes]:
    objets = {int(m.group(1)): m.group(2) for m in _OBJET.finditer(pdf)}
    for corps in list(objets.values()):
        if b"/ObjStm" not in corps.split(b"stream", 1)[0]:
            continue
        donnees = _flux(corps)
        premier = re.search(rb"/First\s+(\d+)", corps)
        if donnees is None or premier is None:
            continue
        debut = int(premier.group(1))
        nombres = [int(n) for n in donnees[:debut].split()]
        paires = list(zip(nombres[::2], nombres[1::2], strict=True))
        for i, (numero, decalage) in enumerate(paires):
            fin = paires[i + 1][1] if i + 1 < len(paires) else len(donnees) - debut
            objets[numero] = donnees[debut + decalage : debut + fin]
    return objets


def _cmap(donnees: bytes) -> tuple[dict[bytes, str], int]:
    table: dict[bytes, str] = {}
    longueur = 2
    espace = re.search(rb"begincodespacerange\s*<([0-9A-Fa-f]+)>", donnees)
    if espace:
        longueur = len(espace.group(1)) // 2
    for bloc in re.findall(rb"beginbfchar(.*?)endbfchar", donnees, re.DOTALL):
        for source, cible in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", bloc):
            table[bytes.fromhex(source.decode())] = bytes.fromhex(cible.decode()).decode(
                "utf-16-be", "replace"
            )
    for bloc in re.findall(rb"beginbfrange(.*?)endbfrange", donnees, re.DOTALL):
        for bas, haut, cible in re.findall(
            rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(<[0-9A-Fa-f]+>|\[[^\]]*\])", bloc
        ):
            debut, fin = int(bas, 16), int(haut, 16)
            taille = len(bas) // 2
            if cible.startswith(b"["):
                cibles = re.findall(rb"<([0-9A-Fa-f]+)>", cible)
                for i, code in enumerate(range(debut, fin + 1)):
                    if i < len(cibles):
                        table[code.to_bytes(taille, "big")] = bytes.fromhex(
                            cibles[i].decode()
                        ).decode("utf-16-be", "replace")
            else:
                base = int(cible[1:-1], 16)
                nb = len(cible[1:-1]) // 2
                for i, code in enumerate(range(debut, fin + 1)):
                    table[code.to_bytes(taille, "big")] = (
                        (base + i).to_bytes(nb, "big").decode("utf-16-be", "replace")
                    )
    return table, longueur


def _chaine_litterale(jeton: bytes) -> bytes:
    corps = jeton[1:-1]
    sortie = bytearray()
    i = 0
    echappements = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}
    while i < len(corps):
        octet = corps[i : i + 1]
        if octet == b"\\" and i + 1 < len(corps):
            suivant = corps[i + 1 : i + 2]
            octal = re.match(rb"[0-7]{1,3}", corps[i + 1 : i + 4])
            if octal:
                sortie.append(int(octal.group(0), 8) & 0xFF)
                i += 1 + len(octal.group(0))
                continue
            sortie += echappements.get(suivant, suivant)
            i += 2
            continue
        sortie += octet
        i += 1
    return bytes(sortie)


def texte_pdf(pdf: bytes) -> str:
    """Le texte du PDF, dans l'ordre des flux de contenu (espaces approximatifs)."""
    if shutil.which("pdftotext"):
        with tempfile.TemporaryDirectory() as dossier:
            chemin = Path(dossier) / "document.pdf"
            chemin.write_bytes(pdf)
            return subprocess.run(
                ["pdftotext", "-enc", "UTF-8", str(chemin), "-"],
                check=True,
                capture_output=True,
            ).stdout.decode()
    objets = _objets(pdf)
    polices: dict[bytes, tuple[dict[bytes, str], int]] = {}
    for corps in objets.values():
        for dictionnaire in re.findall(rb"/Font\s*(<<.*?>>|\d+\s+\d+\s+R)", corps, re.DOTALL):
            if dictionnaire.endswith(b"R"):
                dictionnaire = objets.get(int(dictionnaire.split()[0]), b"")
            for nom, numero in _REFERENCE.findall(dictionnaire):
                objet_police = objets.get(int(numero), b"")
                unicode_ = re.search(rb"/ToUnicode\s+(\d+)\s+\d+\s+R", objet_police)
                if unicode_:
                    flux = _flux(objets.get(int(unicode_.group(1)), b"")) or b""
                    polices[nom] = _cmap(flux)
    morceaux: list[str] = []
    for corps in objets.values():
        contenu = _flux(corps)
        if not contenu or b"BT" not in contenu or b"begincmap" in contenu:
            continue
        police: tuple[dict[bytes, str], int] = ({}, 1)
        operandes: list[bytes] = []
        for jeton in _JETON.findall(contenu):
            if jeton == b"Tf" and len(operandes) >= 2:
                police = polices.get(operandes[-2][1:], ({}, 1))
            elif jeton in (b"Tj", b"TJ", b"'", b'"'):
                for operande in operandes:
                    if operande.startswith(b"<"):
                        octets = bytes.fromhex(re.sub(rb"\s", b"", operande[1:-1]).decode())
                    elif operande.startswith(b"("):
                        octets = _chaine_litterale(operande)
                    else:
                        continue
                    table, longueur = police
                    morceaux.append(
                        "".join(
                            table.get(octets[i : i + longueur], "")
                            for i in range(0, len(octets), longueur)
                        )
                    )
                morceaux.append(" ")
            if re.fullmatch(rb"[A-Za-z'\"*]+", jeton):
                operandes = []
            else:
                operandes.append(jeton)
    return "".join(morceaux)


def sans_espaces(texte: str) -> str:
    return re.sub(r"\s+", "", texte)
