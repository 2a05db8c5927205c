"""Connexions et déconnexions : événements de la chaîne « plateforme » du journal."""
