namespace TenantChat.Tests.Knowledge;

/// <summary>
/// A small support knowledge base written for the retrieval tests: policies, how-tos and product sheets of an
/// imaginary home-appliance shop, and questions a customer might ask in their own words, each with the title of the
/// item that answers it.
/// </summary>
public static class SupportCorpus
{
    public static readonly (string Title, string Content)[] Items =
    [
        ("Resetting your password", "If you cannot sign in, open the sign-in page and choose \"Forgot password\". Enter the email address of your account and we send a reset link that works for 30 minutes. Follow the link and choose a new password of at least 10 characters. If the email does not arrive, check your spam folder or contact support."),
        ("Refund policy", "You can return any unused product within 30 days of delivery for a full refund. Refunds go back to the original payment method within 5 business days after the returned item reaches our warehouse. Opened hygiene products such as filters cannot be refunded."),
        ("Shipping times and costs", "Orders placed before 2 pm ship the same working day. Standard delivery takes 2 to 4 working days and is free above 50 euros; below that it costs 4.90 euros. Express delivery arrives the next working day for 9.90 euros."),
        ("International delivery", "We deliver to all countries of the European Union, Switzerland, Norway and the United Kingdom. Deliveries outside the EU may be charged import duties and VAT by the destination country's customs, which the recipient pays on arrival."),
        ("Tracking your parcel", "As soon as your order leaves the warehouse you receive an email with a tracking number. Enter it on the carrier's website to see where the parcel is. Tracking can take up to 24 hours to show the first scan."),
        ("Changing or cancelling an order", "An order can be changed or cancelled free of charge until it is packed, usually within two hours of ordering. Open My orders, select the order and choose Cancel. Once it has shipped, use the normal return process instead."),
        ("Warranty terms", "All appliances carry a two-year manufacturer warranty from the date of delivery, covering defects in materials and workmanship. The warranty does not cover wear parts, damage from misuse, or units repaired by third parties. Keep your invoice as proof of purchase."),
        ("Reporting a damaged delivery", "If a parcel arrives damaged, take photos of the box and the product before unpacking further, and report it within 48 hours through the contact form. We send a replacement or refund without asking you to return broken goods."),
        ("Payment methods", "We accept Visa, Mastercard, American Express, PayPal, Apple Pay, Google Pay and bank transfer. Invoices for companies can be paid within 14 days. We never store your full card number."),
        ("Gift cards", "Gift cards are sold in values from 10 to 500 euros and are valid for three years. They can be combined with other payment methods at checkout, but cannot be exchanged for cash or used to buy other gift cards."),
        ("Loyalty programme", "Members of Home Club earn one point for every euro spent. 100 points are worth a 5 euro voucher. Points expire 24 months after they are earned, and members get early access to seasonal sales."),
        ("Privacy and your data", "We process personal data only to run your orders and account. You can download a copy of your data or ask us to erase your account at any time from the privacy settings page; erasure is completed within 30 days."),
        ("Two-factor authentication", "Protect your account with a second step at sign-in. In Account settings choose Security, then enable two-factor authentication and scan the QR code with an authenticator app. Keep the recovery codes somewhere safe in case you lose your phone."),
        ("Updating your delivery address", "You can save several delivery addresses in your account under Addresses. To change the address of an order that has not shipped, contact support with the order number; shipped parcels cannot be redirected by us."),
        ("Descaling the AquaPure kettle", "Limescale makes the kettle slower and noisier. Fill it halfway with equal parts water and white vinegar, bring it to the boil, and leave it for an hour. Empty it, rinse twice with clean water and boil once with fresh water before use."),
        ("Cleaning the BreezeMax air purifier filter", "Switch the purifier off and unplug it. Remove the front cover, take out the pre-filter and vacuum it gently or rinse it with lukewarm water. Let it dry completely before refitting. The HEPA filter itself cannot be washed and is replaced every 12 months."),
        ("Pairing the SmartHome hub with the app", "Install the Northwind Home app, create an account, then press and hold the hub's button for five seconds until the light blinks blue. In the app choose Add device and follow the steps; the phone must be on the same 2.4 GHz wifi network."),
        ("Robot vacuum does not charge", "If the robot vacuum does not charge, clean the metal contacts on the robot and on the dock with a dry cloth, make sure the dock is plugged in and stands against a wall with half a metre free on each side, and check that the power switch under the robot is on."),
        ("Product sheet: AquaPure kettle (SKU-4471)", "Cordless electric kettle, 1.7 litres, 2200 watts, brushed steel. Automatic shut-off, boil-dry protection and a removable limescale filter. Weight 1.2 kg. Article code SKU-4471, colour steel grey."),
        ("Product sheet: BreezeMax 300 air purifier (BMX-300)", "Air purifier for rooms up to 40 square metres with a true HEPA H13 filter and activated carbon layer. Clean air delivery rate 300 cubic metres per hour, noise 24 to 52 dB, night mode. Article code BMX-300."),
        ("Product sheet: CrispPro air fryer (CP-5520)", "Hot-air fryer with a 5.5 litre basket, 1700 watts, eight programmes and a viewing window. Dishwasher-safe basket, temperature 80 to 200 degrees. Article code CP-5520."),
        ("Product sheet: SmartHome hub (NWH-HUB2)", "Zigbee and Matter hub that connects up to 100 devices, works with voice assistants, and keeps schedules running offline. Powered by USB-C. Article code NWH-HUB2."),
        ("Product sheet: RoboClean robot vacuum (RC-880)", "Robot vacuum with laser navigation, 2.5 hours runtime, 2700 Pa suction and a self-emptying dock holding seven weeks of dust. Maps several floors and supports no-go zones. Article code RC-880."),
        ("Product sheet: ThermoSense thermostat (TS-210)", "Smart radiator thermostat with a 3-year battery life, open-window detection and room-by-room schedules. Fits most radiator valves with the included adapters. Article code TS-210."),
        ("Spare parts and accessories", "Filters, brushes, baskets and other spare parts can be ordered from the Spare parts page. Search by the article code printed on the type label under or behind your appliance. Spare parts are stocked for at least seven years after a model is discontinued."),
        ("Booking a repair", "For a defect covered by warranty, book a free repair on the Service page. We send a prepaid label; pack the appliance safely and drop it at any parcel shop. Repairs take about ten working days including shipping both ways."),
        ("Business customers", "Companies can open a business account with invoices, VAT numbers on every order and volume discounts from ten units. Business accounts can add colleagues who order on the same invoice address."),
        ("Student discount", "Students get 10 percent off their first order after verifying their student status with a university email address. The discount cannot be combined with other vouchers."),
        ("Store opening hours", "Our flagship store in Utrecht is open Monday to Saturday from 10 am to 6 pm and on Sundays from noon to 5 pm. The store is closed on public holidays. Phone support is available on weekdays from 8 am to 8 pm."),
        ("Recycling old appliances", "When we deliver a new large appliance we take your old one away for free for recycling. Small appliances can be handed in at our store or at any municipal collection point; never put them in household waste."),
        ("Price match promise", "If you find the same product cheaper at another Dutch web shop within 14 days of buying it, we refund the difference. Send us a link to the offer; marketplace sellers and clearance sales are excluded."),
        ("Energy saving tips", "Use the eco programmes of your appliances, descale kettles and coffee machines regularly, and switch devices off at the wall instead of leaving them on standby. A smart thermostat can lower heating costs by up to 15 percent."),
    ];

    /// <summary>Questions in a customer's own words, and the title of the item that answers each.</summary>
    public static readonly (string Question, string Expected)[] Paraphrases =
    [
        ("I forgot my login, how do I get back into my account?", "Resetting your password"),
        ("Can I get my money back if I don't like what I bought?", "Refund policy"),
        ("How long will it take for my order to arrive?", "Shipping times and costs"),
        ("Do you send packages to England or Norway?", "International delivery"),
        ("Where is my package right now?", "Tracking your parcel"),
        ("I ordered by mistake, can I stop the order?", "Changing or cancelling an order"),
        ("My appliance broke after a year, is that covered?", "Warranty terms"),
        ("The box came crushed and the product is broken", "Reporting a damaged delivery"),
        ("Can I pay with PayPal or Apple Pay?", "Payment methods"),
        ("How long is a gift voucher valid?", "Gift cards"),
        ("How do I collect points when I shop?", "Loyalty programme"),
        ("I want you to delete all my personal information", "Privacy and your data"),
        ("How do I add an extra security code when I log in?", "Two-factor authentication"),
        ("I moved house, how do I change where my things are sent?", "Updating your delivery address"),
        ("How do I get rid of limescale in my water boiler?", "Descaling the AquaPure kettle"),
        ("How should I wash the filter of my air cleaner?", "Cleaning the BreezeMax air purifier filter"),
        ("How do I connect my smart home hub to my phone?", "Pairing the SmartHome hub with the app"),
        ("My cleaning robot won't charge on its base", "Robot vacuum does not charge"),
        ("How big is the basket of your air fryer?", "Product sheet: CrispPro air fryer (CP-5520)"),
        ("Where can I buy a replacement brush for my vacuum?", "Spare parts and accessories"),
        ("My device is faulty, how do I send it in to be fixed?", "Booking a repair"),
        ("Is there a discount for people at university?", "Student discount"),
        ("When is your shop open on Sunday?", "Store opening hours"),
        ("What do I do with my old fridge when the new one comes?", "Recycling old appliances"),
        ("Another website sells it for less, will you match that price?", "Price match promise"),
    ];

    /// <summary>Exact article codes, and the product sheet each names.</summary>
    public static readonly (string Code, string Expected)[] Codes =
    [
        ("SKU-4471", "Product sheet: AquaPure kettle (SKU-4471)"),
        ("BMX-300", "Product sheet: BreezeMax 300 air purifier (BMX-300)"),
        ("CP-5520", "Product sheet: CrispPro air fryer (CP-5520)"),
        ("NWH-HUB2", "Product sheet: SmartHome hub (NWH-HUB2)"),
        ("RC-880", "Product sheet: RoboClean robot vacuum (RC-880)"),
        ("TS-210", "Product sheet: ThermoSense thermostat (TS-210)"),
    ];
}
