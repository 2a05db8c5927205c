"""La seule fonction qui envoie un courriel : `envoyer`."""
