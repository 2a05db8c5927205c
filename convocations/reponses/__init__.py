"""Le côté de l'élu (issue 9, points 9 et 10) : accusé de réception, documents, réponse avec
étape de validation, pouvoirs (CGCT L2121-20), saisie par un agent, demande d'un nouveau lien."""
