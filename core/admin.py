"""Administration Django pour le personnel de la plateforme.

Django ne découvre que `core/admin.py` : il importe ici l'`admin.py` de chaque sous-paquet,
qui enregistre ses modèles. Le socle commun (périmètre, lecture seule, refus) est dans
`core/admin_base.py`.
"""

import core.comptes.admin  # noqa: F401
import core.delais.admin  # noqa: F401
import core.journal.admin  # noqa: F401
import core.liens.admin  # noqa: F401
import core.mail.admin  # noqa: F401
import core.tenancy.admin  # noqa: F401
import core.travaux.admin  # noqa: F401
