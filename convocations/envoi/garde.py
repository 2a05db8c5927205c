"""La garde du délai de convocation est celle de la préparation des séances (point 7 : délais
datés, note de synthèse, urgence justifiée) ; l'envoi l'appelle par ce nom."""

from convocations.seances.services import envoi_autorise

__all__ = ["envoi_autorise"]
