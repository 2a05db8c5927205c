/* Suivi d'un travail : interroge l'état chaque seconde, met à jour la barre de progression
   et recharge la page quand le travail est fini (terminé ou en échec). Sans JavaScript, la
   page reste lisible et se met à jour en la rechargeant. */
(function () {
  "use strict";
  var bloc = document.querySelector(".progression[data-travail-url]");
  if (!bloc || !window.fetch) {
    return;
  }
  var url = bloc.getAttribute("data-travail-url");
  var barre = bloc.querySelector("progress");
  var texte = bloc.querySelector(".progression__texte");
  var echecs = 0;

  function afficher(etat) {
    if (barre) {
      barre.value = etat.pourcentage;
      barre.textContent = etat.pourcentage + " %";
    }
    if (texte) {
      var contenu = etat.statut_libelle + " — " + etat.pourcentage + " %";
      if (etat.message) {
        contenu += " — " + etat.message;
      }
      texte.textContent = contenu;
    }
  }

  function interroger() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (reponse) {
        if (!reponse.ok) {
          throw new Error("HTTP " + reponse.status);
        }
        return reponse.json();
      })
      .then(function (etat) {
        echecs = 0;
        afficher(etat);
        if (etat.fini) {
          window.location.reload();
          return;
        }
        window.setTimeout(interroger, 1000);
      })
      .catch(function () {
        echecs += 1;
        if (texte && echecs === 5) {
          texte.textContent = "Impossible de lire l'avancement pour l'instant : rechargez la page dans un moment.";
        }
        /* Le serveur peut être indisponible un instant : on ralentit sans abandonner. */
        window.setTimeout(interroger, Math.min(30000, 1000 * Math.pow(2, echecs)));
      });
  }

  window.setTimeout(interroger, 1000);
})();
