import os
import subprocess
import sys
from pathlib import Path

RACINE = Path(__file__).resolve().parents[2]


def test_le_fichier_env_n_est_lu_qu_en_local_et_en_demo(tmp_path):
    """Un .env oublié sur un serveur ne doit pas fournir les secrets de la production."""
    script = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "import config.env, os; print(os.environ.get('ECHARPE_SONDE_ENV', 'absent'))"
    )
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "__init__.py").write_text("")
    (tmp_path / "config" / "env.py").write_text((RACINE / "config" / "env.py").read_text())
    (tmp_path / ".env").write_text("ECHARPE_SONDE_ENV=lu\n")
    resultats = {}
    for module in ["config.settings.production", "config.settings.test", "config.settings.demo"]:
        env = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": module}
        sortie = subprocess.run(
            [sys.executable, "-c", script, str(tmp_path)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        resultats[module] = sortie.stdout.strip()
    assert resultats == {
        "config.settings.production": "absent",
        "config.settings.test": "absent",
        "config.settings.demo": "lu",
    }
