"""Backends de courriel de Django : la boîte de démonstration et l'envoi par `core.mail`."""

from core.mail.services import BoiteDemoBackend, EnvoyerBackend

__all__ = ["BoiteDemoBackend", "EnvoyerBackend"]
