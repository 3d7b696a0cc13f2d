// Names for the demo: common French given and family names; every combination, establishment and commune
// made of them is invented.

export const CHILD_NAMES = [
  'Gabriel', 'Léo', 'Raphaël', 'Arthur', 'Louis', 'Jules', 'Adam', 'Maël', 'Lucas', 'Hugo', 'Noah', 'Liam',
  'Sacha', 'Gabin', 'Nathan', 'Tom', 'Aaron', 'Théo', 'Eden', 'Paul', 'Nolan', 'Léon', 'Timéo', 'Ethan',
  'Naël', 'Mathis', 'Axel', 'Yanis', 'Ismaël', 'Malo', 'Jade', 'Louise', 'Emma', 'Alice', 'Ambre', 'Lina',
  'Rose', 'Chloé', 'Mia', 'Léa', 'Anna', 'Mila', 'Julia', 'Inès', 'Léna', 'Zoé', 'Lou', 'Agathe', 'Manon',
  'Camille', 'Sarah', 'Romane', 'Juliette', 'Nina', 'Iris', 'Léonie', 'Lucie', 'Eva', 'Yasmine', 'Margaux',
];
export const ADULT_NAMES = [
  'Nicolas', 'Julien', 'Sébastien', 'Thomas', 'Stéphane', 'Christophe', 'Mathieu', 'Guillaume', 'Olivier',
  'Frédéric', 'David', 'Karim', 'Yannick', 'Vincent', 'Romain', 'Jérôme', 'Laurent', 'Mehdi', 'Franck',
  'Céline', 'Aurélie', 'Nathalie', 'Stéphanie', 'Sandrine', 'Julie', 'Émilie', 'Laetitia', 'Sophie',
  'Virginie', 'Isabelle', 'Caroline', 'Élodie', 'Amélie', 'Nadia', 'Samira', 'Hélène', 'Claire', 'Anne',
];
export const FAMILY_NAMES = [
  'Martin', 'Bernard', 'Thomas', 'Petit', 'Robert', 'Richard', 'Durand', 'Dubois', 'Moreau', 'Laurent', 'Simon',
  'Michel', 'Lefebvre', 'Leroy', 'Roux', 'David', 'Bertrand', 'Morel', 'Fournier', 'Girard', 'Bonnet', 'Dupont',
  'Lambert', 'Fontaine', 'Rousseau', 'Vincent', 'Muller', 'Lefèvre', 'Faure', 'André', 'Mercier', 'Blanc',
  'Guérin', 'Boyer', 'Garnier', 'Chevalier', 'François', 'Legrand', 'Gauthier', 'Garcia', 'Perrin', 'Robin',
  'Clément', 'Morin', 'Nicolas', 'Henry', 'Roussel', 'Mathieu', 'Masson', 'Marchand', 'Duval', 'Denis',
  'Dumont', 'Lemaire', 'Noël', 'Meyer', 'Dufour', 'Meunier', 'Brun', 'Blanchard', 'Giraud', 'Joly', 'Rivière',
  'Lucas', 'Brunet', 'Gaillard', 'Barbier', 'Arnaud', 'Martinez', 'Gérard', 'Roche', 'Renard', 'Schmitt',
  'Roy', 'Leroux', 'Colin', 'Vidal', 'Caron', 'Picard', 'Roger', 'Fabre', 'Aubert', 'Lemoine', 'Renaud',
  'Dumas', 'Lacroix', 'Olivier', 'Philippe', 'Bourgeois', 'Benoît', 'Rey', 'Leclerc', 'Payet', 'Rolland',
  'Le Gall', 'Da Silva', 'Ben Ali', 'Nguyen', 'Diallo', 'Haddad', 'Lopez', 'Moulin', 'Besson', 'Chauvin',
];
export const COMMUNE_BASES = [
  'Val-de-Brume', 'Montclair', 'Saint-Aubin', 'Belrocher', 'Fontvive', 'Les Essarts', 'Chantepierre', 'Vauclerc',
  'Beaulieu', 'Roche-Claire', 'Mirebois', 'Sainte-Colombe', 'Clairval', 'Hautefeuille', 'Boisjoli', 'Pré-Fleuri',
  'Vernay', 'Saint-Fiacre', 'Longchêne', 'Miramont',
];
export const COMMUNE_SUFFIXES = [
  '', '-sur-Saône', '-les-Vignes', '-en-Dombes', '-la-Rivière', '-le-Haut', '-sous-Bois', "-d'Azergues",
  '-les-Monts', '-la-Forêt',
];
export const ESTABLISHMENT_NAMES = [
  'des Tilleuls', 'du Parc', 'Les Cerisiers', 'de la Source', 'des Peupliers', 'du Vieux-Moulin', 'Les Glycines',
  'des Quatre-Vents', 'du Belvédère', 'Les Marronniers', 'de la Colline', 'des Lavandières', 'du Grand-Pré',
  'Les Acacias', 'des Sablons', 'de la Chênaie', 'du Lac', 'Les Jardins', 'des Vergers', 'de la Tour',
];
export const PRIVATE_NAMES = ['Sainte-Colombe', 'Saint-Fiacre', 'Notre-Dame-des-Prés', 'Saint-Aubin', 'Sainte-Clotilde'];
