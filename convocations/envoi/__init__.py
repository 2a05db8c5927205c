"""Envoi des convocations et suivi (issue 9, points 8 et 11) : un courriel par destinataire
par `core.mail.lots`, lien personnel créé dans le worker, pièce `.ics`, relances, notification
du procès-verbal, page « Envoi et suivi »."""
