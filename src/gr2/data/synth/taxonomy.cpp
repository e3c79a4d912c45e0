// Word lists of the synthetic shop (see taxonomy.h).
#include "gr2/data/synth/taxonomy.h"

namespace gr2::synth {

const std::vector<DepartmentSpec>& shop_departments() {
  static const std::vector<DepartmentSpec> departments = {
      {"Beauty",
       {{"Hair Care", {{"Shampoo", true}, {"Conditioner", true}, {"Hair Mask", true}, {"Hair Oil", true}}},
        {"Skin Care", {{"Cleanser", true}, {"Toner", true}, {"Serum", true}, {"Moisturizer", true}}},
        {"Makeup", {{"Primer", true}, {"Foundation", true}, {"Concealer", true}, {"Setting Powder", true}}},
        {"Fragrance", {{"Eau de Parfum", false}, {"Body Mist", true}, {"Scented Lotion", true}, {"Shower Gel", true}}}},
       {"Lavender", "Rose", "Citrus", "Vanilla", "Coconut", "Mint", "Sandalwood", "Unscented"},
       {"50 ml", "100 ml", "250 ml", "500 ml"}},
      {"Personal Care",
       {{"Shaving", {{"Razor", false}, {"Razor Blades", true}, {"Shaving Cream", true}, {"Aftershave", true}}},
        {"Oral Care", {{"Electric Toothbrush", false}, {"Brush Heads", true}, {"Toothpaste", true}, {"Mouthwash", true}}},
        {"Body Care", {{"Body Wash", true}, {"Bath Sponge", false}, {"Body Scrub", true}, {"Body Lotion", true}}},
        {"Hand and Foot", {{"Hand Soap", true}, {"Hand Cream", true}, {"Foot File", false}, {"Foot Cream", true}}}},
       {"Fresh", "Sensitive", "Charcoal", "Aloe", "Menthol", "Cedar", "Ocean", "Classic"},
       {"Travel Size", "Regular", "Value Pack", "Family Pack"}},
      {"Kitchen",
       {{"Coffee", {{"Coffee Maker", false}, {"Coffee Beans", true}, {"Coffee Filters", true}, {"Descaler", true}}},
        {"Baking", {{"Stand Mixer", false}, {"Mixing Bowl", false}, {"Baking Pan", false}, {"Parchment Paper", true}}},
        {"Cookware", {{"Frying Pan", false}, {"Saucepan", false}, {"Spatula", false}, {"Pan Cleaner", true}}},
        {"Tea", {{"Teapot", false}, {"Loose Leaf Tea", true}, {"Tea Strainer", false}, {"Honey", true}}}},
       {"Stainless", "Ceramic", "Matte Black", "Red", "Bamboo", "Copper", "White", "Nonstick"},
       {"Small", "Medium", "Large", "Family Size"}},
      {"Sports",
       {{"Running", {{"Running Shoes", false}, {"Running Socks", true}, {"Energy Gel", true}, {"Foam Roller", false}}},
        {"Yoga", {{"Yoga Mat", false}, {"Yoga Block", false}, {"Yoga Strap", false}, {"Mat Cleaner", true}}},
        {"Cycling", {{"Bike Helmet", false}, {"Bike Light", false}, {"Inner Tube", true}, {"Chain Lube", true}}},
        {"Fitness", {{"Dumbbells", false}, {"Workout Gloves", false}, {"Protein Powder", true}, {"Shaker Bottle", false}}}},
       {"Blue", "Black", "Neon", "Grey", "Green", "Pink", "Orange", "Purple"},
       {"S", "M", "L", "XL"}},
      {"Baby",
       {{"Diapering", {{"Diapers", true}, {"Baby Wipes", true}, {"Diaper Cream", true}, {"Changing Pad", false}}},
        {"Feeding", {{"Baby Bottle", false}, {"Bottle Nipples", true}, {"Infant Formula", true}, {"Bottle Brush", true}}},
        {"Baby Bath", {{"Baby Tub", false}, {"Baby Shampoo", true}, {"Baby Lotion", true}, {"Hooded Towel", false}}},
        {"Sleep", {{"Crib Sheet", false}, {"Sleep Sack", false}, {"Night Light", false}, {"White Noise Machine", false}}}},
       {"Organic", "Hypoallergenic", "Fragrance-Free", "Chamomile", "Oat", "Pastel", "Cotton", "Bamboo"},
       {"Newborn", "Size 1", "Size 2", "Size 3"}},
      {"Pets",
       {{"Dog Care", {{"Dog Food", true}, {"Dog Treats", true}, {"Dog Toy", false}, {"Dog Shampoo", true}}},
        {"Cat Care", {{"Cat Food", true}, {"Cat Litter", true}, {"Litter Scoop", false}, {"Cat Treats", true}}},
        {"Aquarium", {{"Fish Tank", false}, {"Aquarium Filter", false}, {"Filter Cartridge", true}, {"Fish Food", true}}},
        {"Pet Grooming", {{"Pet Brush", false}, {"Nail Clipper", false}, {"Pet Wipes", true}, {"Flea Treatment", true}}}},
       {"Chicken", "Salmon", "Grain-Free", "Senior", "Puppy", "Natural", "Beef", "Lamb"},
       {"Small Bag", "Medium Bag", "Large Bag", "Bulk"}},
      {"Home",
       {{"Cleaning", {{"Mop", false}, {"Mop Refill", true}, {"Floor Cleaner", true}, {"Microfiber Cloth", true}}},
        {"Laundry", {{"Laundry Detergent", true}, {"Fabric Softener", true}, {"Stain Remover", true}, {"Dryer Sheets", true}}},
        {"Candles", {{"Scented Candle", true}, {"Candle Snuffer", false}, {"Wick Trimmer", false}, {"Reed Diffuser", true}}},
        {"Bedding", {{"Pillow", false}, {"Pillowcase", false}, {"Duvet", false}, {"Duvet Cover", false}}}},
       {"Linen", "Eucalyptus", "Sea Salt", "Fresh Cotton", "Amber", "Grey", "Ivory", "Pine"},
       {"Single", "Double", "Queen", "King"}},
      {"Electronics",
       {{"Phone Accessories", {{"Phone Case", false}, {"Screen Protector", true}, {"Charging Cable", false}, {"Wall Charger", false}}},
        {"Audio", {{"Headphones", false}, {"Ear Tips", true}, {"Headphone Case", false}, {"Bluetooth Speaker", false}}},
        {"Photography", {{"Camera", false}, {"Memory Card", false}, {"Camera Bag", false}, {"Lens Cleaner", true}}},
        {"Gaming", {{"Game Controller", false}, {"Charging Dock", false}, {"Gaming Headset", false}, {"Controller Grips", true}}}},
       {"Black", "White", "Silver", "Midnight Blue", "Graphite", "Rose Gold", "Clear", "Red"},
       {"Compact", "Standard", "Pro", "Max"}},
  };
  return departments;
}

const std::vector<const char*>& brand_prefixes() {
  static const std::vector<const char*> v = {"Lu", "Ve", "Ora", "No", "Ki", "Sol", "Au", "Bel", "Cor", "Del",
                                             "Fen", "Mar", "Pra", "Qui", "Ri", "Sta", "Tho", "Vi", "Wen", "Zel"};
  return v;
}
const std::vector<const char*>& brand_middles() {
  static const std::vector<const char*> v = {"", "mo", "la", "ve", "ri", "sa", "to", "ni", "ka", "de"};
  return v;
}
const std::vector<const char*>& brand_suffixes() {
  static const std::vector<const char*> v = {"ra", "lia", "tex", "vane", "ly", "ric", "na", "ton", "ique", "oro",
                                             "mina", "gard", "field", "wood", "stone", "leaf", "ell", "ova", "ix", "us"};
  return v;
}

const char* price_tier_word(int tier) {
  switch (tier) {
    case 0: return "budget";
    case 1: return "mid-range";
    default: return "premium";
  }
}

}  // namespace gr2::synth
